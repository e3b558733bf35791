/**
 * `GpuLowrankLoop`: the factored meta loop (learners/meta_train/lowrank_loop.ts) on a WebGPU
 * device, for FOMAML and Reptile. One meta-iteration is one compute pass of five dispatches:
 * lowrank_project (theta's first layer and the Gram matrices against the iteration's samples),
 * lowrank_inner (each task's K steps and query pass in one invocation), lowrank_outer (the mean row
 * over the healthy tasks), the method's meta-update with that row as a meta-batch of one, and
 * meta_log on the tasks' metrics. `iterationsPerSubmit` iterations per queue submit, no wait;
 * `read` maps theta, moments and the pending log rows once. CPU twin: cpu_lowrank_loop.ts.
 * @module
 */
import { createStorageBuffer, createStorageBufferFrom, readF32 } from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { afterSubmit, batchSubmits, submit } from "../../core/submit_batch.ts";
import type { BackendDataset } from "../backend.ts";
import { GpuDataset } from "../gpu/gpu_dataset.ts";
import { type MlpLayout, mlpLayout } from "../mlp/mlp_layout.ts";
import { METRIC_STRIDE } from "../metrics_row.ts";
import { episodeClasses } from "../tasks/episode_classes.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import { lowrankShape } from "./cpu_lowrank_loop.ts";
import { lowrankFits, lowrankIterations } from "./lowrank_budget.ts";
import { LOOP_BUDGET } from "../mlp/loop_budget.ts";
import { updateKernel, updateRun } from "./gpu_meta_updates.ts";
import {
  innerServes,
  LOWRANK_INNER,
  LOWRANK_OUTER,
  LOWRANK_PROJECT,
  type LowrankBuffers,
  lowrankRuns,
  scratchFloats,
} from "./lowrank_kernels.ts";
import { lowrankApplies } from "./lowrank_loop.ts";
import { type LowrankShape, queryRows, tailStride } from "./lowrank_shape.ts";
import { encodeMetaKernel, metaPipeline } from "./meta_kernel.ts";
import { grownLog, ResidentEpisodes } from "./gpu_loop_tables.ts";
import { META_LOG, META_LOG_WIDTH, metaLogRun } from "./meta_log.ts";
import {
  checkLoopIds,
  checkMetaLoopSpec,
  headRanges,
  type MetaLoop,
  type MetaLoopReadout,
  type MetaLoopSpec,
  type MetaLoopState,
  momentFloats,
} from "./meta_loop.ts";

/** Meta-iterations encoded per queue submit by default (as the per-model loop). */
const ITERATIONS_PER_SUBMIT = 16;

/** The layout of a loop spec's learners. */
function specLayout(spec: MetaLoopSpec): MlpLayout {
  const { widths, activation, loss, batchSize } = spec;
  return mlpLayout({ size: 1, widths, activation, loss, batchSize });
}

/**
 * Whether the GPU factored loop serves `spec`: lowrankApplies, and every hidden width a multiple
 * of 4 (lowrank_inner works on quads of units); on a `software` adapter also its kernels within
 * the loop budget (learners/meta_train/lowrank_budget.ts) for `support` samples (default the
 * inner batch; the support set is known only when the loop runs).
 */
export function gpuLowrankApplies(
  spec: MetaLoopSpec,
  software = false,
  support = spec.batchSize,
): boolean {
  const L = specLayout(spec);
  if (!lowrankApplies(spec) || !innerServes(L)) return false;
  return !software || lowrankFits(L, lowrankShape(spec, support));
}

/** Compiles the factored loop's kernels and creates it (see gpuLowrankApplies). */
export async function createGpuLowrankLoop(
  ctx: GpuContext,
  spec: MetaLoopSpec,
  options: { iterationsPerSubmit?: number } = {},
): Promise<GpuLowrankLoop> {
  checkMetaLoopSpec(spec);
  if (!gpuLowrankApplies(spec)) {
    throw new RangeError(
      `Cannot create factored meta loop for method ${spec.method}, widths ${
        spec.widths.join("-")
      }: it serves fomaml and reptile with hidden widths that are multiples of 4`,
    );
  }
  const kernels = [
    LOWRANK_PROJECT,
    LOWRANK_INNER,
    LOWRANK_OUTER,
    updateKernel(spec.method),
    META_LOG,
  ];
  const pipes = await Promise.all(kernels.map((k) => metaPipeline(ctx, k)));
  return new GpuLowrankLoop(ctx, spec, pipes, options.iterationsPerSubmit);
}

/** Per-iteration buffers, sized for a shape. */
type Work = Record<"proj" | "A" | "tails" | "d1q" | "metrics" | "scratch" | "samples", GPUBuffer>;

/** The factored meta loop on a GPU (see the module doc). */
export class GpuLowrankLoop implements MetaLoop {
  readonly spec: MetaLoopSpec;
  readonly runsOn = "device" as const;
  #ctx: GpuContext;
  #L: MlpLayout;
  #pipes: GPUComputePipeline[];
  #kernels;
  /** theta, Adam moments, theta before the update, mean gradient used, mean row, flags row. */
  #state: Record<"theta" | "moments" | "prev" | "g" | "out" | "flags", GPUBuffer>;
  #work: { key: string; bufs: Work } | null = null;
  #log: GPUBuffer;
  #logRows = 0;
  #t = 0;
  #episodes: ResidentEpisodes;
  #perSubmit: number;

  /** Use createGpuLowrankLoop. */
  constructor(
    ctx: GpuContext,
    spec: MetaLoopSpec,
    pipes: GPUComputePipeline[],
    perSubmit = ITERATIONS_PER_SUBMIT,
  ) {
    if (!Number.isInteger(perSubmit) || perSubmit < 1) {
      throw new RangeError(
        `Cannot create meta loop as iterationsPerSubmit must be an integer >= 1: current value is ${perSubmit}`,
      );
    }
    this.spec = { ...spec };
    this.#ctx = ctx;
    this.#episodes = new ResidentEpisodes(ctx);
    this.#L = specLayout(spec);
    this.#pipes = pipes;
    this.#kernels = [
      LOWRANK_PROJECT,
      LOWRANK_INNER,
      LOWRANK_OUTER,
      updateKernel(spec.method),
      META_LOG,
    ] as const;
    this.#perSubmit = perSubmit;
    const S = this.#L.stride;
    const buf = (n: number, label: string) =>
      createStorageBuffer(ctx, n * 4, `lowrank-loop-${label}`);
    this.#state = {
      theta: buf(S, "theta"),
      moments: buf(momentFloats(spec.method, S), "moments"),
      prev: buf(S, "prev"),
      g: buf(S, "g"),
      out: buf(S, "out"),
      flags: buf(METRIC_STRIDE, "flags"),
    };
    this.#log = buf(64 * META_LOG_WIDTH, "log");
  }

  write(state: MetaLoopState): void {
    const S = this.#L.stride;
    const q = this.#ctx.device.queue;
    q.writeBuffer(this.#state.theta, 0, state.theta.subarray(0, S));
    q.writeBuffer(
      this.#state.moments,
      0,
      state.moments.subarray(0, momentFloats(this.spec.method, S)),
    );
    this.#t = state.t;
  }

  /** The per-iteration buffers for shape `s` (made again when the shape changes). */
  #workFor(s: LowrankShape): Work {
    const key = `${s.support}`;
    if (this.#work?.key === key) return this.#work.bufs;
    if (this.#work) { for (const b of Object.values(this.#work.bufs)) b.destroy(); }
    const L = this.#L;
    const H = L.widths[1]!;
    const T = s.tasks;
    const buf = (n: number, label: string) =>
      createStorageBuffer(this.#ctx, Math.max(n, 1) * 4, `lowrank-${label}`);
    const bufs = {
      proj: buf(T * (s.support + queryRows(s)) * (H + s.support), "proj"),
      A: buf(T * H * s.support, "A"),
      tails: buf(T * tailStride(L), "tails"),
      d1q: buf(T * queryRows(s) * H, "d1q"),
      metrics: buf(T * METRIC_STRIDE, "metrics"),
      scratch: buf(scratchFloats(L, s), "scratch"),
      samples: buf(T * (s.support + queryRows(s)), "samples"),
    };
    this.#work = { key, bufs };
    return bufs;
  }

  run(episodes: EpisodeBatch, data: BackendDataset, ids: Uint32Array<ArrayBuffer>): void {
    const iterations = checkLoopIds(ids, this.spec.metaBatch, episodes.episodes);
    if (!(data instanceof GpuDataset) || data.inputPrecision !== "f32") {
      throw new TypeError(
        "Cannot run the factored meta loop on a data set with f16 inputs or of another backend",
      );
    }
    const s = lowrankShape(this.spec, episodes.supportSize);
    this.#checkBudget(s);
    const work = this.#workFor(s);
    this.#log = grownLog(this.#ctx, this.#log, this.#logRows + iterations);
    const idsBuf = createStorageBufferFrom(this.#ctx, ids, "lowrank-loop-ids");
    const ep = this.#episodes.get(episodes);
    const b: LowrankBuffers = {
      ...work,
      ...ep,
      theta: this.#state.theta,
      x: data.x,
      y: data.y,
      ids: idsBuf,
      out: this.#state.out,
    };
    const rows = {
      querySize: episodes.querySize,
      classWidth: episodeClasses(episodes) ? episodes.ways : 0,
      targetWidth: data.targetWidth,
    };
    for (let first = 0; first < iterations; first += this.#perSubmit) {
      const end = Math.min(iterations, first + this.#perSubmit);
      batchSubmits(this.#ctx, () => {
        for (let it = first; it < end; it++) {
          this.#iteration(b, s, { ...rows, idsOffset: it * s.tasks });
        }
      });
    }
    idsBuf.destroy();
  }

  /**
   * Throws a RangeError on a software adapter when a kernel's loops exceed the loop budget (lavapipe
   * would silently cut them short: wrong results, no error).
   */
  #checkBudget(s: LowrankShape): void {
    if (!this.#ctx.software || lowrankFits(this.#L, s)) return;
    throw new RangeError(
      `Cannot run the factored meta loop on a software adapter as one of its kernels needs ${
        lowrankIterations(this.#L, s)
      } loop iterations per invocation and the driver stops at 65,535 (budget ${LOOP_BUDGET}): widths ${
        this.#L.widths.join("-")
      }, ${s.tasks} tasks, ${s.support} support samples, ${s.steps} steps; use the per-model loop (lowrank: false)`,
    );
  }

  /** Encodes and submits one meta-iteration. */
  #iteration(b: LowrankBuffers, s: LowrankShape, rows: Parameters<typeof lowrankRuns>[3]): void {
    const st = this.#state;
    const L = this.#L;
    const reptile = this.spec.method === "reptile";
    const t = reptile ? this.#t : ++this.#t;
    const update = updateRun({ ...this.spec, metaBatch: 1 }, L, {
      params: st.out,
      grads: st.out,
      metrics: st.flags,
      theta: st.theta,
      moments: st.moments,
      g: st.g,
      alpha: st.g,
      sumG: st.g,
      noise: st.g,
    }, t);
    const log = metaLogRun({
      metrics: b.metrics,
      a: reptile ? st.theta : st.g,
      b: reptile ? st.prev : null,
      log: this.#log,
    }, {
      n: L.paramCount,
      models: s.tasks,
      row: this.#logRows++,
    });
    const runs = [...lowrankRuns(L, b, s, rows), update, log];
    const enc = this.#ctx.device.createCommandEncoder({ label: "lowrank-loop" });
    if (reptile) enc.copyBufferToBuffer(st.theta, 0, st.prev, 0, st.theta.size);
    const pass = enc.beginComputePass();
    const ubs = runs.map((r, i) =>
      encodeMetaKernel(this.#ctx, pass, this.#pipes[i]!, this.#kernels[i]!, r)
    );
    pass.end();
    // headReset: theta's output layer cleared after the update's pass (the CPU twin: resetHead).
    if (this.spec.headReset) {
      for (const [start, end] of headRanges(L)) {
        enc.clearBuffer(st.theta, start * 4, (end - start) * 4);
      }
    }
    submit(this.#ctx, enc.finish());
    afterSubmit(this.#ctx, () => ubs.forEach((ub) => ub.destroy()));
  }

  async read(): Promise<MetaLoopReadout> {
    const S = this.#L.stride;
    const M = momentFloats(this.spec.method, S);
    const rows = this.#logRows;
    const floats = S + M + rows * META_LOG_WIDTH;
    const pack = createStorageBuffer(this.#ctx, floats * 4, "lowrank-loop-read");
    const enc = this.#ctx.device.createCommandEncoder({ label: "lowrank-loop-read" });
    enc.copyBufferToBuffer(this.#state.theta, 0, pack, 0, S * 4);
    enc.copyBufferToBuffer(this.#state.moments, 0, pack, S * 4, M * 4);
    if (rows > 0) {
      enc.copyBufferToBuffer(this.#log, 0, pack, (S + M) * 4, rows * META_LOG_WIDTH * 4);
    }
    this.#ctx.device.queue.submit([enc.finish()]);
    const all = await readF32(this.#ctx, pack);
    pack.destroy();
    this.#logRows = 0;
    const state = {
      theta: all.slice(0, S),
      moments: all.slice(S, S + M),
      alpha: new Float32Array(S),
      t: this.#t,
    };
    return { state, log: all.slice(S + M) };
  }

  destroy(): void {
    this.#episodes.destroy();
    const work = this.#work ? Object.values(this.#work.bufs) : [];
    for (const b of [...Object.values(this.#state), this.#log, ...work]) {
      b.destroy();
    }
  }
}
