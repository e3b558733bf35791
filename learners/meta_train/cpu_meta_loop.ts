/**
 * `CpuMetaLoop`: the CPU twin of the on-device meta-training loop (learners/meta_train/meta_loop.ts),
 * the same steps in the same order with the twins of every kernel: gatherEpisodesCpu, tileRows,
 * trainStepCpu, hvpStepCpu (MAML), reptileUpdateCpu / fomamlUpdateCpu and metaLogCpu. `CpuBackend.createMetaLoop`
 * returns one.
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
  checkLoopIds,
  checkMetaLoopSpec,
  type MetaLoop,
  type MetaLoopReadout,
  type MetaLoopSpec,
  type MetaLoopState,
  usesQuerySlot,
} from "./meta_loop.ts";
import { hvpStepCpu } from "./maml_cpu.ts";
import { reptileUpdateCpu } from "./meta_reptile_update.ts";
import { tileRows } from "./meta_tile.ts";

/** The meta loop on the CPU backend (a population of metaBatch models run by the twins). */
export class CpuMetaLoop implements MetaLoop {
  readonly spec: MetaLoopSpec;
  #pop: CpuPopulation;
  #state: MetaLoopState;
  #log: number[] = [];

  /** Takes a population of spec.metaBatch models of the spec's shape. */
  constructor(spec: MetaLoopSpec, pop: CpuPopulation) {
    checkMetaLoopSpec(spec);
    this.spec = { ...spec };
    this.#pop = pop;
    pop.setKnobs({ lr: spec.innerLr, optimizer: "sgd" });
    const stride = pop.layout.stride;
    this.#state = { theta: new Float32Array(stride), moments: new Float32Array(2 * stride), t: 0 };
  }

  write(state: MetaLoopState): void {
    this.#state = { theta: state.theta.slice(), moments: state.moments.slice(), t: state.t };
  }

  run(episodes: EpisodeBatch, data: BackendDataset, ids: Uint32Array<ArrayBuffer>): void {
    const iterations = checkLoopIds(ids, this.spec.metaBatch, episodes.episodes);
    if (!(data instanceof CpuDataset)) {
      throw new TypeError("Cannot use a data set uploaded to another backend");
    }
    for (let it = 0; it < iterations; it++) this.#iteration(episodes, data, ids, it);
  }

  /** One meta-iteration: load, K inner steps, meta-update, log row. */
  #iteration(episodes: EpisodeBatch, data: CpuDataset, ids: Uint32Array, it: number): void {
    const { method, metaBatch: P, innerSteps: K, batchSize } = this.spec;
    const L = this.#pop.layout;
    const query = usesQuerySlot(method);
    const g = gatherEpisodesCpu(episodes, ids, it * P, {
      models: P,
      batchSize,
      slots: K,
      querySlot: query,
    });
    this.#pop.setBatches(g.batches, K + (query ? 1 : 0));
    const W = g.labelMap.length / P;
    this.#pop.setLabelMap(W > 0 ? g.labelMap : null, W);
    const st = this.#pop.state;
    st.params.set(tileRows(this.#state.theta, P, L.stride));
    st.opt.fill(0);
    st.steps.fill(0);
    st.metrics.fill(0);
    const path: Float32Array[] = [];
    for (let k = 0; k < K; k++) {
      if (method === "maml") path.push(st.params.slice());
      trainStepCpu(L, st, data);
    }
    const row = new Float32Array(META_LOG_WIDTH);
    const logAt = { n: L.paramCount, models: P, row: 0 };
    const theta = this.#state.theta;
    if (!query) {
      const before = theta.slice();
      reptileUpdateCpu({ adapted: st.params, metrics: st.metrics, theta }, {
        count: L.paramCount,
        models: P,
        rowStride: L.stride,
        metaLr: this.spec.metaLr,
      });
      metaLogCpu({ metrics: st.metrics, a: theta, b: before }, logAt, row);
    } else {
      const grads = new Float32Array(P * L.stride);
      trainStepCpu(L, st, data, grads);
      const tables = { v: grads, batches: g.batches, labelMap: g.labelMap };
      const shape = {
        models: P,
        rowLen: (K + 1) * batchSize,
        labelWidth: W,
        lr: this.spec.innerLr,
      };
      for (let k = K - 1; k >= 0 && method === "maml"; k--) {
        hvpStepCpu(L, data, { ...tables, theta: path[k]! }, shape);
      }
      const gOut = new Float32Array(L.paramCount);
      fomamlUpdateCpu({ grads, metrics: st.metrics, theta, moments: this.#state.moments, gOut }, {
        count: L.paramCount,
        models: P,
        rowStride: L.stride,
        lr: this.spec.metaLr,
        t: ++this.#state.t,
        vOffset: L.stride,
      });
      metaLogCpu({ metrics: st.metrics, a: gOut, b: null }, logAt, row);
    }
    this.#log.push(...row);
  }

  read(): Promise<MetaLoopReadout> {
    const log = Float32Array.from(this.#log);
    this.#log = [];
    const s = this.#state;
    return Promise.resolve({
      state: { theta: s.theta.slice(), moments: s.moments.slice(), t: s.t },
      log,
    });
  }

  destroy(): void {
    this.#pop.destroy();
  }
}
