/**
 * `CpuMetaLoop`: the CPU twin of the on-device meta-training loop (learners/meta_train/meta_loop.ts),
 * the same steps in the same order with the twins of every kernel: gatherEpisodesCpu, tileRows,
 * trainStepCpu, hvpStepCpu (MAML), protonetGradCpu (ProtoNet, its episodes split between threads by protonetGradThreaded), reptileUpdateCpu / fomamlUpdateCpu and metaLogCpu. `CpuBackend.createMetaLoop`
 * returns one, and GpuBackend on a software adapter for ProtoNet and for MAML past the Hessian-vector
 * kernel's loop budget (`hostData`: the samples read from the episodes' host copy).
 * @module
 */
import type { BackendDataset } from "../backend.ts";
import { CpuDataset, type CpuPopulation } from "../cpu_backend.ts";
import { trainStepCpu } from "../mlp/mlp_cpu.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import { fomamlUpdateCpu } from "./meta_fomaml_update.ts";
import { gatherEpisodesCpu } from "./meta_gather.ts";
import { META_LOG_WIDTH, metaLogCpu } from "./meta_log.ts";
import {
  alphaKnobs,
  checkLoopIds,
  checkMetaLoopSpec,
  copyLoopState,
  esSigma,
  loopModels,
  type MetaLoop,
  type MetaLoopReadout,
  type MetaLoopSpec,
  type MetaLoopState,
  modelIds,
  protonetDistance,
  resetHead,
  supportSlots,
  usesQuerySlot,
  zeroLoopState,
} from "./meta_loop.ts";
import { ES_STREAM, esPerturbCpu, type EsPerturbOptions } from "./meta_es_perturb.ts";
import { esMamlUpdateCpu } from "./meta_es_maml_update.ts";
import { METRIC, METRIC_STRIDE } from "../metrics_row.ts";
import { metaSgdInnerCpu } from "./meta_sgd_inner.ts";
import { metaSgdUpdateCpu } from "./meta_sgd_update.ts";
import { hvpStepCpu } from "./maml_cpu.ts";
import { reptileUpdateCpu } from "./meta_reptile_update.ts";
import { tileRows } from "./meta_tile.ts";
import { PROTONET_STATS, type ProtonetSource } from "./protonet_cpu.ts";
import { protonetGradThreaded } from "./protonet_threads.ts";

/** The meta loop on the CPU backend (a population of metaBatch models run by the twins). */
export class CpuMetaLoop implements MetaLoop {
  readonly spec: MetaLoopSpec;
  readonly runsOn = "host" as const;
  #pop: CpuPopulation;
  #state: MetaLoopState;
  #log: number[] = [];
  #noise = new Float32Array(0);
  #stats: Float32Array | null = null;
  /**
   * ProtoNet and MAML for another backend: the samples are read from episodes.dataset (the host
   * copy), not from the data set `run` is given.
   */
  #hostData: boolean;
  /** With hostData: the host copy of the last episodes' samples, as the twins read them. */
  #host: { from: EpisodeBatch["dataset"]; data: CpuDataset } | null = null;

  /**
   * Takes a population of spec.metaBatch models of the spec's shape; `hostData` (ProtoNet and
   * MAML): read the samples from the episodes' host copy.
   */
  constructor(spec: MetaLoopSpec, pop: CpuPopulation, options: { hostData?: boolean } = {}) {
    checkMetaLoopSpec(spec);
    this.#hostData = options.hostData === true &&
      (spec.method === "protonet" || spec.method === "maml");
    this.spec = { ...spec };
    this.#pop = pop;
    pop.setKnobs({ lr: spec.innerLr, optimizer: "sgd" });
    this.#state = zeroLoopState(spec.method, pop.layout.stride);
  }

  write(state: MetaLoopState): void {
    const S = this.#pop.layout.stride;
    this.#state.theta.set(state.theta.subarray(0, S));
    this.#state.moments.set(state.moments.subarray(0, this.#state.moments.length));
    if (state.alpha) this.#state.alpha!.set(state.alpha.subarray(0, S));
    this.#state.t = state.t;
  }

  run(episodes: EpisodeBatch, data: BackendDataset, ids: Uint32Array<ArrayBuffer>): void {
    const iterations = checkLoopIds(ids, this.spec.metaBatch, episodes.episodes);
    const samples = this.#samples(episodes, data);
    if (this.spec.method === "protonet") {
      for (let it = 0; it < iterations; it++) {
        this.#protonet({ episodes, data: samples, ids, idsOffset: it * this.spec.metaBatch });
      }
      return;
    }
    const mids = modelIds(this.spec, ids);
    for (let it = 0; it < iterations; it++) {
      const g = this.#load(episodes, mids, it);
      const row = new Float32Array(META_LOG_WIDTH);
      if (this.spec.method === "reptile") this.#reptile(samples, row);
      else if (this.spec.method === "meta-sgd") this.#metaSgd(samples, row);
      else if (this.spec.method === "es-maml") this.#esMaml(samples, row);
      else this.#maml(samples, g, row);
      this.#afterUpdate();
      this.#log.push(...row);
    }
  }

  /** The samples the twins read: `data`, or with hostData the host copy of the episodes' samples. */
  #samples(episodes: EpisodeBatch, data: BackendDataset): CpuDataset {
    if (data instanceof CpuDataset) return data;
    if (!this.#hostData) throw new TypeError("Cannot use a data set uploaded to another backend");
    if (this.#host?.from !== episodes.dataset) {
      this.#host = { from: episodes.dataset, data: new CpuDataset(episodes.dataset) };
    }
    return this.#host.data;
  }

  /** Step 1: every model starts from theta and reads its episode; state cleared. */
  #load(
    episodes: EpisodeBatch,
    ids: Uint32Array,
    it: number,
  ): ReturnType<typeof gatherEpisodesCpu> {
    const { method, batchSize } = this.spec;
    const P = loopModels(this.spec);
    const slots = supportSlots(this.spec);
    const query = usesQuerySlot(method);
    const g = gatherEpisodesCpu(episodes, ids, it * P, {
      models: P,
      batchSize,
      slots,
      querySlot: query,
    });
    this.#pop.setBatches(g.batches, slots + (query ? 1 : 0));
    const W = g.labelMap.length / P;
    this.#pop.setLabelMap(W > 0 ? g.labelMap : null, W);
    const st = this.#pop.state;
    const L = this.#pop.layout;
    if (method === "es-maml") {
      const es = esPerturbCpu(this.#state.theta, this.#esOptions());
      st.params.set(es.rows);
      this.#noise = es.noise;
    } else st.params.set(tileRows(this.#state.theta, P, L.stride));
    st.opt.fill(0);
    st.steps.fill(0);
    st.metrics.fill(0);
    return g;
  }

  /** The shape of the meta-update twins. */
  #shape(): { count: number; models: number; rowStride: number } {
    const L = this.#pop.layout;
    return { count: L.paramCount, models: this.spec.metaBatch, rowStride: L.stride };
  }

  /** Reptile: K inner steps, the update, the log row. */
  #reptile(data: CpuDataset, row: Float32Array): void {
    const st = this.#pop.state;
    const L = this.#pop.layout;
    for (let k = 0; k < this.spec.innerSteps; k++) trainStepCpu(L, st, data);
    const theta = this.#state.theta;
    const before = theta.slice();
    reptileUpdateCpu({ adapted: st.params, metrics: st.metrics, theta }, {
      ...this.#shape(),
      metaLr: this.spec.metaLr,
    });
    metaLogCpu({ metrics: st.metrics, a: theta, b: before }, this.#logAt(), row);
  }

  #logAt(): { n: number; models: number; row: number } {
    return { n: this.#pop.layout.paramCount, models: loopModels(this.spec), row: 0 };
  }

  /** FOMAML and MAML: K inner steps, the query gradient (taken back for MAML), Adam, the log row. */
  #maml(data: CpuDataset, g: ReturnType<typeof gatherEpisodesCpu>, row: Float32Array): void {
    const { metaBatch: P, innerSteps: K, batchSize } = this.spec;
    const st = this.#pop.state;
    const L = this.#pop.layout;
    const path: Float32Array[] = [];
    for (let k = 0; k < K; k++) {
      if (this.spec.method === "maml") path.push(st.params.slice());
      trainStepCpu(L, st, data);
    }
    const grads = new Float32Array(P * L.stride);
    trainStepCpu(L, st, data, grads);
    const W = g.labelMap.length / P;
    const shape = { models: P, rowLen: (K + 1) * batchSize, labelWidth: W, lr: this.spec.innerLr };
    for (let k = path.length - 1; k >= 0; k--) {
      hvpStepCpu(
        L,
        data,
        { v: grads, batches: g.batches, labelMap: g.labelMap, theta: path[k]! },
        shape,
      );
    }
    this.#adam(grads, row);
  }

  /** The FOMAML update with the mean of the healthy gradient rows, then the log row. */
  #adam(grads: Float32Array, row: Float32Array): void {
    const L = this.#pop.layout;
    const metrics = this.#pop.state.metrics;
    const gOut = new Float32Array(L.paramCount);
    const s = this.#state;
    fomamlUpdateCpu({ grads, metrics, theta: s.theta, moments: s.moments, gOut }, {
      ...this.#shape(),
      lr: this.spec.metaLr,
      t: ++s.t,
      vOffset: L.stride,
    });
    metaLogCpu({ metrics, a: gOut, b: null }, this.#logAt(), row);
  }

  /** Meta-SGD: K gradient passes with per-parameter steps, the query gradient, Adam, the log row. */
  #metaSgd(data: CpuDataset, row: Float32Array): void {
    const P = this.spec.metaBatch;
    const st = this.#pop.state;
    const L = this.#pop.layout;
    const s = this.#state;
    const grads = new Float32Array(P * L.stride);
    const sumG = new Float32Array(P * L.stride);
    for (let k = 0; k < this.spec.innerSteps; k++) {
      trainStepCpu(L, st, data, grads);
      metaSgdInnerCpu({ grads, alpha: s.alpha!, rows: st.params, sumG }, {
        models: P,
        count: L.paramCount,
        stride: L.stride,
      });
    }
    st.steps.fill(1);
    trainStepCpu(L, st, data, grads);
    const gT = metaSgdUpdateCpu({
      queryGrads: grads,
      supportGradSums: sumG,
      metrics: st.metrics,
      theta: s.theta,
      alpha: s.alpha!,
      moments: s.moments,
    }, { ...this.#shape(), lr: this.spec.metaLr, ...alphaKnobs(this.spec), t: ++s.t });
    metaLogCpu({ metrics: st.metrics, a: Float32Array.from(gT), b: null }, this.#logAt(), row);
  }

  /** ES-MAML's perturbation of the coming iteration (the RNG's second counter is its Adam step). */
  #esOptions(): EsPerturbOptions {
    const L = this.#pop.layout;
    const { metaBatch: pairs } = this.spec;
    const rng = { seed: this.spec.seed ?? 0, stream: ES_STREAM, c1: this.#state.t + 1 };
    return { pairs, count: L.paramCount, stride: L.stride, ...rng, sigma: esSigma(this.spec) };
  }

  /** ES-MAML: K inner steps of the 2 models per task, their query losses, the ES update. */
  #esMaml(data: CpuDataset, row: Float32Array): void {
    const st = this.#pop.state;
    const L = this.#pop.layout;
    for (let k = 0; k < this.spec.innerSteps; k++) trainStepCpu(L, st, data);
    trainStepCpu(L, st, data, new Float32Array(st.params.length));
    const models = loopModels(this.spec);
    const losses = Float32Array.from(
      { length: models },
      (_, m) => st.metrics[m * METRIC_STRIDE + METRIC.loss]!,
    );
    const s = this.#state;
    const o = { count: L.paramCount, pairs: this.spec.metaBatch, sigma: esSigma(this.spec) };
    const g = esMamlUpdateCpu(
      { losses, noise: this.#noise, theta: s.theta, moments: s.moments },
      { ...o, lr: this.spec.metaLr, t: ++s.t },
    );
    metaLogCpu({ metrics: st.metrics, a: Float32Array.from(g), b: null }, this.#logAt(), row);
  }

  /** ProtoNet: the prototype-loss gradient of every episode at theta, Adam, the log row. */
  #protonet(src: ProtonetSource): void {
    const L = this.#pop.layout;
    const P = this.spec.metaBatch;
    const st = this.#pop.state;
    const grads = new Float32Array(P * L.stride);
    st.metrics.fill(0);
    this.#stats = new Float32Array(P * PROTONET_STATS);
    protonetGradThreaded(L, this.#state.theta, src, P, {
      grads,
      metrics: st.metrics,
      stats: this.#stats,
    }, { dist: protonetDistance(this.spec) });
    const row = new Float32Array(META_LOG_WIDTH);
    this.#adam(grads, row);
    this.#afterUpdate();
    this.#log.push(...row);
  }

  /** After the meta-update: theta's output layer set to zero when the spec asks (headReset). */
  #afterUpdate(): void {
    if (this.spec.headReset) resetHead(this.#state.theta, this.#pop.layout);
  }

  read(): Promise<MetaLoopReadout> {
    const log = Float32Array.from(this.#log);
    this.#log = [];
    return Promise.resolve({
      state: copyLoopState(this.#state),
      log,
      ...(this.#stats ? { stats: this.#stats.slice() } : {}),
    });
  }

  destroy(): void {
    this.#pop.destroy();
  }
}
