/**
 * `CpuLowrankLoop`: the factored meta loop (learners/meta_train/lowrank_loop.ts) run with the
 * twins of its kernels (lowrank_cpu.ts), then fomamlUpdateCpu / reptileUpdateCpu on the mean row
 * (one model) and metaLogCpu on the tasks' metrics: the specification of the GPU loop
 * (gpu_lowrank_loop.ts), checked against the per-model CPU loop (cpu_meta_loop.ts).
 * @module
 */
import type { BackendDataset } from "../backend.ts";
import { CpuDataset } from "../cpu_backend.ts";
import { type MlpLayout, mlpLayout } from "../mlp/mlp_layout.ts";
import { METRIC_STRIDE } from "../metrics_row.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import { lowrankInnerCpu, lowrankOuterCpu, lowrankProjectCpu } from "./lowrank_cpu.ts";
import { type LowrankRows, type LowrankShape, queryRows, tailStride } from "./lowrank_shape.ts";
import { lowrankApplies } from "./lowrank_loop.ts";
import { fomamlUpdateCpu } from "./meta_fomaml_update.ts";
import { META_LOG_WIDTH, metaLogCpu } from "./meta_log.ts";
import {
  checkLoopIds,
  checkMetaLoopSpec,
  copyLoopState,
  type MetaLoop,
  type MetaLoopReadout,
  type MetaLoopSpec,
  type MetaLoopState,
  resetHead,
  zeroLoopState,
} from "./meta_loop.ts";
import { reptileUpdateCpu } from "./meta_reptile_update.ts";

/** The shape of one factored meta-iteration of `spec` on episodes of `supportSize` samples. */
export function lowrankShape(spec: MetaLoopSpec, supportSize: number): LowrankShape {
  return {
    tasks: spec.metaBatch,
    support: supportSize,
    batch: spec.batchSize,
    query: spec.method === "fomaml",
    steps: spec.innerSteps,
    lr: spec.innerLr,
  };
}

/** The factored meta loop on the CPU (see the module doc). */
export class CpuLowrankLoop implements MetaLoop {
  readonly spec: MetaLoopSpec;
  readonly runsOn = "host" as const;
  #layout: MlpLayout;
  #state: MetaLoopState;
  #log: number[] = [];

  /** Throws a RangeError when the factored loop does not serve `spec` (lowrankApplies). */
  constructor(spec: MetaLoopSpec) {
    checkMetaLoopSpec(spec);
    if (!lowrankApplies(spec)) {
      throw new RangeError(
        `Cannot create factored meta loop as it serves fomaml and reptile with a hidden layer: current method is ${spec.method} with ${
          spec.widths.length - 2
        } hidden layers`,
      );
    }
    this.spec = { ...spec };
    const { widths, activation, loss, batchSize } = spec;
    this.#layout = mlpLayout({ size: 1, widths, activation, loss, batchSize });
    this.#state = zeroLoopState(spec.method, this.#layout.stride);
  }

  write(state: MetaLoopState): void {
    const S = this.#layout.stride;
    this.#state.theta.set(state.theta.subarray(0, S));
    this.#state.moments.set(state.moments.subarray(0, this.#state.moments.length));
    this.#state.t = state.t;
  }

  run(episodes: EpisodeBatch, data: BackendDataset, ids: Uint32Array<ArrayBuffer>): void {
    const iterations = checkLoopIds(ids, this.spec.metaBatch, episodes.episodes);
    if (!(data instanceof CpuDataset)) {
      throw new TypeError("Cannot use a data set uploaded to another backend");
    }
    for (let it = 0; it < iterations; it++) {
      const rows = { episodes, ids, idsOffset: it * this.spec.metaBatch };
      this.#log.push(...this.#iteration(data, rows));
    }
  }

  /** One meta-iteration; returns its log row. */
  #iteration(data: CpuDataset, rows: LowrankRows): Float32Array {
    const L = this.#layout;
    const s = lowrankShape(this.spec, rows.episodes.supportSize);
    const H = L.widths[1]!;
    const st = this.#state;
    const proj = lowrankProjectCpu(L, { theta: st.theta, x: data.x }, rows, s);
    const out = {
      A: new Float32Array(s.tasks * H * s.support),
      tails: new Float32Array(s.tasks * tailStride(L)),
      d1q: new Float32Array(s.tasks * queryRows(s) * H),
      metrics: new Float32Array(s.tasks * METRIC_STRIDE),
    };
    lowrankInnerCpu(L, { theta: st.theta, proj, data, rows }, s, out);
    const mean = lowrankOuterCpu(L, { theta: st.theta, ...out }, { ...out, x: data.x }, rows, s);
    const one = { count: L.paramCount, models: 1, rowStride: L.stride };
    const flags = new Float32Array(METRIC_STRIDE);
    const logAt = { n: L.paramCount, models: s.tasks, row: 0 };
    const row = new Float32Array(META_LOG_WIDTH);
    if (s.query) {
      const gOut = new Float32Array(L.paramCount);
      fomamlUpdateCpu(
        { grads: mean, metrics: flags, theta: st.theta, moments: st.moments, gOut },
        { ...one, lr: this.spec.metaLr, t: ++st.t, vOffset: L.stride },
      );
      metaLogCpu({ metrics: out.metrics, a: gOut, b: null }, logAt, row);
    } else {
      const before = st.theta.slice();
      reptileUpdateCpu({ adapted: mean, metrics: flags, theta: st.theta }, {
        ...one,
        metaLr: this.spec.metaLr,
      });
      metaLogCpu({ metrics: out.metrics, a: st.theta, b: before }, logAt, row);
    }
    if (this.spec.headReset) resetHead(st.theta, L);
    return row;
  }

  read(): Promise<MetaLoopReadout> {
    const log = Float32Array.from(this.#log);
    this.#log = [];
    return Promise.resolve({ state: copyLoopState(this.#state), log });
  }

  destroy(): void {}
}
