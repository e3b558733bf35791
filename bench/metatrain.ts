/**
 * `deno task bench --metatrain`: meta-training throughput end to end (episode ids drawn, inner
 * loops, query gradients, meta-updates, logged rows) of FOMAML and MAML on 5-way 1-shot episodes
 * (glyphs when built, else Fashion-MNIST classes 0-4, else synthetic; 14x14 inputs, network
 * 196-64-64-5) and on MAML's sinusoid, 5 inner SGD steps, at a given meta-batch size. Three
 * paths: `MetaLearner.train` on the GPU backend and on the CPU twin, and the per-iteration path
 * (`trainBySteps`, a loop of `step`) on the GPU. GPU awaits are counted by wrapping
 * `GPUBuffer.mapAsync` and `GPUQueue.onSubmittedWorkDone` for the duration of a measurement; CPU
 * time (every thread of the process) is printed beside wall time, since it barely moves with the
 * machine's load; a breakdown of the GPU loop's time follows each meta-batch
 * (bench/metatrain_profile.ts). This module measures one row (`benchMetaTrain`);
 * bench/metatrain_main.ts prints the section: with a second GPU backend whose train kernel is
 * "fused1" (the default before learners/mlp/mlp_fused2.ts: the tiles for two hidden layers), its
 * FOMAML meta loop right before the default's, in the same run; with backends whose `metaLoop` is
 * "per-model" and "factored", FOMAML and Reptile rows of both meta loops (a factored row is skipped
 * where its kernels exceed a software adapter's loop budget) and the factored loop's storage
 * accesses per task (bench/roofline_lowrank.ts); with `--grouping`, the per-model loop's rows in
 * other workgroup groupings.
 * @module
 */
import { BENCH_INNER_STEPS, type MetaTrainWorkload } from "./metatrain_workloads.ts";
import { cpuClock, cpuSince } from "./metatrain_profile.ts";
import type { Backend } from "../learners/backend.ts";
import { EpisodePool } from "../meta/few_shot/episode_pool.ts";
import { InnerLoop, tileParams } from "../meta/few_shot/inner_loop.ts";
import { initialTheta } from "../meta/few_shot/meta_learner.ts";
import { createMetaLearner } from "../meta/few_shot/registry.ts";
import { drawIds, trainBySteps } from "../meta/few_shot/train_by_steps.ts";
import { Rng } from "../core/rng.ts";
import { fomamlUpdateCpu } from "../learners/meta_train/meta_fomaml_update.ts";
import { flagRows } from "../learners/meta_train/meta_mean.ts";

/**
 * How a measurement meta-trains: "train" the learner's `train` (the backend's meta loop, one read
 * per logged point), "steps" a loop of `step` (the loop, one read per iteration), "composed" the
 * per-iteration path as it was before the meta loop (InnerLoop.adapt, the gradient table read back,
 * the Adam update on the host).
 */
export type MetaTrainPath = "train" | "steps" | "composed";

/** One measurement of `benchMetaTrain`. */
export interface MetaTrainBenchRow {
  /** "gpu" or "cpu-twin" (also a GPU backend's meta loop run by its CPU twin), with the path. */
  backend: string;
  /**
   * Whether the meta loop that ran was a CPU twin on the host (on a GPU backend: its fallback past
   * a software adapter's loop budget, e.g. MAML's meta_hvp in one dispatch at 196-64-64-5 and
   * 1-40-40-1 unless GpuBackend's mamlOnSoftware is "device").
   */
  hostLoop: boolean;
  /** The path measured. */
  path: MetaTrainPath;
  /** Episodes per meta-iteration. */
  metaBatch: number;
  /** Meta-iterations timed. */
  iterations: number;
  /** Meta-iterations per second. */
  itersPerSecond: number;
  /** Tasks (episodes) per second: itersPerSecond * metaBatch. */
  tasksPerSecond: number;
  /** GPU awaits (mapAsync + onSubmittedWorkDone) per meta-iteration. */
  awaitsPerIteration: number;
  /** CPU milliseconds per meta-iteration, every thread (NaN where unmeasured). */
  cpuMsPerIteration: number;
}

/** FOMAML iterations composed as before the meta loop (host Adam state; theta updated in place). */
function composedFomaml(
  loop: InnerLoop,
  theta: Float32Array,
  innerLr: number,
): (
  pool: EpisodePool,
  o: { iterations: number; metaBatch: number; seed: number },
) => Promise<void> {
  const { stride, paramCount } = loop.layout;
  const moments = new Float32Array(2 * stride);
  let t = 0;
  return async (pool, o) => {
    const rng = new Rng(o.seed);
    for (let it = 0; it < o.iterations; it++) {
      const ids = drawIds(rng, o.metaBatch, pool.size);
      const P = ids.length;
      const params = tileParams(theta, P, stride);
      const [g] = await loop.adapt(
        pool,
        ids,
        params,
        { lr: innerLr, steps: 5, querySlot: true },
        ({ pop }) => pop.gradients(pool.data),
      );
      const metrics = flagRows([], P, stride, 0, g!.diverged);
      fomamlUpdateCpu({ grads: g!.grads, metrics, theta, moments }, {
        count: paramCount,
        models: P,
        rowStride: stride,
        lr: 0.003,
        t: ++t,
        vOffset: stride,
      });
    }
  };
}

/** Counts GPU awaits while `fn` runs. */
async function countAwaits<T>(fn: () => Promise<T>): Promise<{ value: T; awaits: number }> {
  if (typeof GPUBuffer === "undefined") return { value: await fn(), awaits: 0 };
  const map = GPUBuffer.prototype.mapAsync;
  const done = GPUQueue.prototype.onSubmittedWorkDone;
  let awaits = 0;
  GPUBuffer.prototype.mapAsync = function (...a: Parameters<typeof map>) {
    awaits++;
    return map.apply(this, a);
  };
  GPUQueue.prototype.onSubmittedWorkDone = function () {
    awaits++;
    return done.apply(this);
  };
  try {
    return { value: await fn(), awaits };
  } finally {
    GPUBuffer.prototype.mapAsync = map;
    GPUQueue.prototype.onSubmittedWorkDone = done;
  }
}

/**
 * Meta-trains FOMAML on `family` with meta-batch `metaBatch` along `path` for at least
 * `minSeconds` (after a warm-up of 2 iterations), doubling the iterations per call.
 */
export async function benchMetaTrain(
  backend: Backend,
  w: MetaTrainWorkload,
  o: {
    path: MetaTrainPath;
    metaBatch: number;
    minSeconds: number;
    method?: "fomaml" | "maml" | "reptile";
  },
): Promise<MetaTrainBenchRow> {
  const loop = new InnerLoop(backend, { widths: w.widths, batchSize: w.batchSize, loss: w.loss });
  const pool = new EpisodePool(backend, w.family, 1, 512);
  const learner = createMetaLearner(o.method ?? "fomaml", loop, await initialTheta(loop, 0), {
    innerLr: w.innerLr,
    innerSteps: BENCH_INNER_STEPS,
    metaLr: 0.003,
  });
  const composed = composedFomaml(loop, learner.theta, w.innerLr);
  const run = (iterations: number, seed: number): Promise<unknown> => {
    const t = { iterations, metaBatch: o.metaBatch, seed, validateEvery: iterations };
    if (o.path === "composed") return composed(pool, t);
    return o.path === "train" ? learner.train(pool, t) : trainBySteps(learner, pool, t);
  };
  let iterations = 0;
  let awaits = 0;
  let seconds = 0;
  let cpuMs = 0;
  let hostLoop = false;
  try {
    await run(2, 0);
    const cpu = cpuClock();
    const t0 = performance.now();
    for (let n = 2; (performance.now() - t0) / 1000 < o.minSeconds; n *= 2) {
      awaits += (await countAwaits(() => run(n, n))).awaits;
      iterations += n;
    }
    seconds = (performance.now() - t0) / 1000;
    cpuMs = cpuSince(cpu).processMs;
    // Asked of the loops the learner created, not predicted: GpuBackend decides per spec.
    hostLoop = (await loop.createdMetaLoops()).some((l) => l.runsOn === "host");
  } finally {
    pool.destroy();
    loop.destroy();
  }
  return {
    backend: backend.kind === "gpu" && !hostLoop ? "gpu" : "cpu-twin",
    hostLoop,
    path: o.path,
    metaBatch: o.metaBatch,
    iterations,
    itersPerSecond: iterations / seconds,
    tasksPerSecond: (iterations * o.metaBatch) / seconds,
    awaitsPerIteration: awaits / iterations,
    cpuMsPerIteration: cpuMs / iterations,
  };
}

/**
 * `label` as run: a GPU backend's row whose meta loop was its CPU twin (the fallback past a
 * software adapter's loop budget) says so instead of "gpu".
 */
export function ranLabel(label: string, b: Backend, r: MetaTrainBenchRow): string {
  if (b.kind !== "gpu" || !r.hostLoop) return label;
  return `cpu twin on the host (GpuBackend's fallback: its kernel is past this adapter's loop budget), ${
    label.replace(/^gpu, /, "")
  }`;
}
