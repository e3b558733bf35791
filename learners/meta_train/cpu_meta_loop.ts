/**
 * `CpuMetaLoop`: the CPU twin of the on-device meta loop (meta_loop.ts), the same steps in the same
 * order with the twins of every kernel (gatherEpisodesCpu, tileRows, trainStepCpu and hvpStepCpu
 * split between threads by train_threads.ts, protonetGradCpu split by protonet_threads.ts, the
 * update twins, metaLogCpu; results the same for any thread count). CpuBackend.createMetaLoop
 * returns one; GpuBackend too on a software adapter for ProtoNet and for MAML past the H v kernel's
 * loop budget (`hostData`: the samples read from the episodes' host copy). As the GPU loop
 * (gpu_loop_pops.ts), where the support set divides batchSize the inner steps run on a population
 * whose batch is the support set once (the mean over batchSize cyclic draws of S samples is the
 * mean over the S: the same update up to float rounding); the adapted parameters and metrics rows
 * (quarantine flags included) then go to the batchSize population for the query pass.
 * `{ compact: false }` keeps every step on the whole batch.
 * @module
 */
import type { BackendDataset } from "../backend.ts";
import { CpuDataset, CpuPopulation } from "../cpu_backend.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import type { MlpData, MlpState } from "../mlp/mlp_state.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import { fomamlUpdateCpu } from "./meta_fomaml_update.ts";
import { gatherEpisodesCpu, type GatherShape, type LoadedBatches } from "./meta_gather.ts";
import { META_LOG_WIDTH, metaLogCpu } from "./meta_log.ts";
import {
  alphaKnobs,
  checkLoopIds,
  checkMetaLoopSpec,
  copyLoopState,
  esSigma,
  loopModels,
  loopShape,
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
import { isQuarantined, METRIC, METRIC_STRIDE } from "../metrics_row.ts";
import { metaSgdInnerCpu } from "./meta_sgd_inner.ts";
import { metaSgdUpdateCpu } from "./meta_sgd_update.ts";
import { reptileUpdateCpu } from "./meta_reptile_update.ts";
import { tileRows } from "./meta_tile.ts";
import { PROTONET_STATS, type ProtonetSource } from "./protonet_cpu.ts";
import { cpuThreads } from "./helper_pool.ts";
import { protonetGradThreaded } from "./protonet_threads.ts";
import {
  hvpStepThreaded,
  shareState,
  splitsTrainStep,
  stepFloats,
  trainStepThreaded,
  type TrainThreadOptions,
} from "./train_threads.ts";

/** The meta loop on the CPU backend (a population of metaBatch models run by the twins). */
export class CpuMetaLoop implements MetaLoop {
  readonly spec: MetaLoopSpec;
  readonly runsOn = "host" as const;
  #pop: CpuPopulation;
  #state: MetaLoopState;
  #log: number[] = [];
  #noise = new Float32Array(0);
  #stats: Float32Array | null = null;
  /** ProtoNet and MAML for another backend: the samples read from episodes.dataset (host copy). */
  #hostData: boolean;
  /** With hostData: the host copy of the last episodes' samples, as the twins read them. */
  #host: { from: EpisodeBatch["dataset"]; data: CpuDataset } | null = null;
  /** Whether the inner steps may run on a compacted population (see the module doc). */
  #compactOn: boolean;
  /** The compacted populations, by support size. */
  #compact = new Map<number, CpuPopulation>();
  /** The population the inner steps of the current run take: #pop or a compacted one. */
  #inner: CpuPopulation;
  /** Threads of the train steps (train_threads.ts; results the same for any count). */
  #threads: TrainThreadOptions;

  /**
   * Takes a population of spec.metaBatch models of the spec's shape; `hostData` (ProtoNet and
   * MAML): read the samples from the episodes' host copy; `compact` (default true): the inner steps
   * on the support set once where it divides the batch; `threads`, `minWork`: of the train steps.
   */
  constructor(
    spec: MetaLoopSpec,
    pop: CpuPopulation,
    options: { hostData?: boolean; compact?: boolean } & TrainThreadOptions = {},
  ) {
    checkMetaLoopSpec(spec);
    this.#threads = { threads: options.threads ?? cpuThreads(), minWork: options.minWork };
    this.#compactOn = options.compact !== false && spec.method !== "protonet";
    this.#hostData = options.hostData === true &&
      (spec.method === "protonet" || spec.method === "maml");
    this.spec = { ...spec };
    this.#pop = pop;
    this.#inner = pop;
    pop.setKnobs({ lr: spec.innerLr, optimizer: "sgd" });
    pop.state.opt.fill(0); // once: plain SGD never writes it (#load)
    this.#state = zeroLoopState(spec.method, pop.layout.stride);
  }

  /** Whether the last `run`'s inner steps ran on a compacted population (see the module doc). */
  get compacted(): boolean {
    return this.#inner !== this.#pop;
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
    this.#inner = this.#innerPop(episodes.supportSize);
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

  /** The inner steps' population for support sets of S samples (see the module doc). */
  #innerPop(S: number): CpuPopulation {
    const B = this.spec.batchSize;
    if (!this.#compactOn || S >= B || B % S !== 0) return this.#pop;
    let inner = this.#compact.get(S);
    if (!inner) {
      inner = new CpuPopulation({
        size: loopModels(this.spec),
        ...loopShape(this.spec),
        batchSize: S,
      });
      inner.setKnobs({ lr: this.spec.innerLr, optimizer: "sgd" });
      this.#compact.set(S, inner);
    }
    return inner;
  }

  /**
   * Step 1: every model starts from theta and reads its episode; state cleared. Returns the inner
   * population's batch table (its rows of `rowLen`, the support batch first) and label map.
   */
  #load(episodes: EpisodeBatch, ids: Uint32Array, it: number): LoadedBatches {
    const { method, batchSize } = this.spec;
    const P = loopModels(this.spec);
    const query = usesQuerySlot(method);
    const inner = this.#inner;
    const gather = (pop: CpuPopulation, s: Omit<GatherShape, "models">) => {
      const g = gatherEpisodesCpu(episodes, ids, it * P, { models: P, ...s });
      pop.setBatches(g.batches, Math.max(1, s.slots + (s.querySlot ? 1 : 0)));
      const W = g.labelMap.length / P;
      if (s.labels !== false) pop.setLabelMap(W > 0 ? g.labelMap : null, W);
      return { ...g, rowLen: g.batches.length / P };
    };
    let g: LoadedBatches;
    if (inner === this.#pop) {
      g = gather(inner, { batchSize, slots: supportSlots(this.spec), querySlot: query });
    } else {
      // Compacted: the support set once in one slot; the query set in the batchSize population,
      // whose label map is the inner population's (the same episodes; never written by a step).
      g = gather(inner, { batchSize: episodes.supportSize, slots: 1, querySlot: false });
      if (query) gather(this.#pop, { batchSize, slots: 0, querySlot: true, labels: false });
      const qs = this.#pop.state;
      [qs.labelMap, qs.labelMapWidth] = [inner.state.labelMap, inner.state.labelMapWidth];
      qs.steps.fill(0);
      qs.metrics.fill(0);
    }
    const st = inner.state;
    const L = inner.layout;
    if (method === "es-maml") {
      const es = esPerturbCpu(this.#state.theta, this.#esOptions());
      st.params.set(es.rows);
      this.#noise = es.noise;
    } else tileRows(this.#state.theta, P, L.stride, st.params);
    // (st.opt stays zero: the loop's populations step with plain SGD, which never writes it.)
    st.steps.fill(0);
    st.metrics.fill(0);
    // Once here, so that no array of a state is swapped in the middle of an iteration's steps.
    if (splitsTrainStep(L, this.#threads)) shareState(st);
    if (splitsTrainStep(this.#pop.layout, this.#threads)) shareState(this.#pop.state);
    return g;
  }

  /** Train steps of a population (`steps` of each model in turn), split between threads. */
  #step(L: MlpLayout, st: MlpState, data: MlpData, grads?: Float32Array, steps = 1): void {
    trainStepThreaded(L, st, data, grads, this.#threads, steps);
  }

  /** Compacted: the adapted parameters and metrics rows to the batchSize population (query pass). */
  #handoff(): void {
    if (this.#inner === this.#pop) return;
    this.#pop.state.params.set(this.#inner.state.params);
    this.#pop.state.metrics.set(this.#inner.state.metrics);
  }

  /** The shape of the meta-update twins. */
  #shape(): { count: number; models: number; rowStride: number } {
    const L = this.#pop.layout;
    return { count: L.paramCount, models: this.spec.metaBatch, rowStride: L.stride };
  }

  /** Reptile: K inner steps, the update, the log row. */
  #reptile(data: CpuDataset, row: Float32Array): void {
    const st = this.#inner.state;
    const L = this.#inner.layout;
    this.#step(L, st, data, undefined, this.spec.innerSteps);
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
  #maml(data: CpuDataset, g: LoadedBatches, row: Float32Array): void {
    const { metaBatch: P, innerSteps: K } = this.spec;
    const st = this.#inner.state;
    const L = this.#inner.layout;
    const path: Float32Array[] = [];
    // FOMAML: the K steps of each model one after the other; MAML keeps the path between steps.
    if (this.spec.method !== "maml") this.#step(L, st, data, undefined, K);
    for (let k = 0; k < K && this.spec.method === "maml"; k++) {
      path.push(stepFloats(L, this.#threads, st.params.length, st.params));
      this.#step(L, st, data);
    }
    this.#handoff();
    const grads = stepFloats(this.#pop.layout, this.#threads, P * L.stride);
    this.#step(this.#pop.layout, this.#pop.state, data, grads);
    const W = g.labelMap.length / P;
    const shape = { models: P, rowLen: g.rowLen, labelWidth: W, lr: this.spec.innerLr };
    for (let k = path.length - 1; k >= 0; k--) {
      // The Hessian of each model's support batch (its row's first L.batchSize entries of the batch
      // table #load gave the inner population, which is g's, as its label map is).
      hvpStepThreaded(
        L,
        data,
        { v: grads, batches: st.batchIdx, labelMap: st.labelMap, theta: path[k]! },
        shape,
        this.#threads,
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
    const L = this.#inner.layout;
    const s = this.#state;
    const grads = stepFloats(this.#pop.layout, this.#threads, P * L.stride);
    const sumG = new Float32Array(P * L.stride);
    for (let k = 0; k < this.spec.innerSteps; k++) {
      const rows = this.#inner.state.params;
      this.#step(L, this.#inner.state, data, grads);
      metaSgdInnerCpu({ grads, alpha: s.alpha!, rows, sumG }, {
        models: P,
        count: L.paramCount,
        stride: L.stride,
      });
    }
    this.#handoff();
    const st = this.#pop.state;
    // The query slot: slot 1 of 2 on the whole batch; compacted, the one slot of this population.
    if (this.#inner === this.#pop) st.steps.fill(1);
    this.#step(this.#pop.layout, st, data, grads);
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
    this.#step(this.#inner.layout, this.#inner.state, data, undefined, this.spec.innerSteps);
    this.#handoff();
    const st = this.#pop.state;
    const L = this.#pop.layout;
    this.#step(L, st, data, stepFloats(L, this.#threads, st.params.length));
    const models = loopModels(this.spec);
    // A model quarantined in its inner steps has no usable loss (as the kernel reads the flags).
    const losses = Float32Array.from(
      { length: models },
      (_, m) => isQuarantined(st.metrics, m) ? NaN : st.metrics[m * METRIC_STRIDE + METRIC.loss]!,
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
    for (const p of this.#compact.values()) p.destroy();
    this.#compact.clear();
  }
}
