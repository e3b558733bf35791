/**
 * `bench --kernels`: the two train-step kernels of a workload on one adapter, in one process, each
 * measurement alternating between them: the tiled kernel (learners/mlp/mlp_tiles.ts, activations
 * and deltas in storage) and the fused step (learners/mlp/mlp_fused.ts, where the shape allows).
 * The tiled kernel also runs with tiles of at most 128 accumulators (GpuBackendOptions.tileBudget),
 * which compile faster. Per round it times each variant's cold compile (the train-step and evaluate
 * pipelines a new network shape needs, built from source; lavapipe does most of its compiling at
 * the first dispatch, and Mesa's disk cache keeps that part across processes, so this is the
 * front end's share) and its model-steps/s at every size; it prints each round, the medians, the
 * median of each round's ratio to the default tiles (the machine's speed drifts between rounds) and
 * each variant's storage accesses per model-step (bench/roofline.ts).
 * @module
 */
import { formatFixed, formatRate } from "../core/format.ts";
import type { GpuContext } from "../core/gpu_context.ts";
import { GpuBackend } from "../learners/gpu/gpu_backend.ts";
import { EVALUATE } from "../learners/mlp/evaluate.ts";
import {
  chooseGrouping,
  SOFTWARE_GROUPINGS,
  softwareTilePlan,
} from "../learners/mlp/loop_budget.ts";
import { type TrainKernel, withFusedStep } from "../learners/mlp/mlp_fused.ts";
import { mlpLayout } from "../learners/mlp/mlp_layout.ts";
import { TRAIN_STEP } from "../learners/mlp/train_step.ts";
import type { BenchOptions } from "./bench_options.ts";
import { trainStepAccesses } from "./roofline.ts";
import { benchTrain, type Workload } from "./workloads.ts";

/** A train-step kernel variant: the population options that select it. */
interface Variant {
  name: string;
  trainKernel: TrainKernel;
  /** Most accumulators per register tile (undefined: the default, MAX_TILE_ACCUMULATORS). */
  tileBudget?: number;
}

/**
 * The variants compared: the tiled kernel, with the default and with smaller tiles, and the fused
 * step of the shape (one hidden layer: mlp_fused.ts; two: mlp_fused2.ts), where one applies.
 */
const VARIANTS: readonly Variant[] = [
  { name: "tiles", trainKernel: "tiles" },
  { name: "tiles-128", trainKernel: "tiles", tileBudget: 128 },
  { name: "fused", trainKernel: "fused" },
];

/**
 * The inner steps of meta-training in `bench --metatrain` (glyphs 5-way 1-shot: MLP 196-64-64-5 on
 * a support set of 5 samples), for `bench --kernels --metatrain`.
 */
export const WORKLOAD_META_INNER: Workload = {
  name: "meta-inner",
  widths: [196, 64, 64, 5],
  batchSize: 5,
};

/** Seconds to build one pipeline from source (shader module and compute pipeline). */
async function compileSeconds(ctx: GpuContext, code: string): Promise<number> {
  const t0 = performance.now();
  const module = ctx.device.createShaderModule({ code });
  await ctx.device.createComputePipelineAsync({ layout: "auto", compute: { module } });
  return (performance.now() - t0) / 1000;
}

/** The tile plan a population of workload `w` gets with variant `v` on a software adapter. */
function variantPlan(w: Workload, v: Variant) {
  const L = mlpLayout({ size: 1, widths: w.widths, batchSize: w.batchSize });
  const g = chooseGrouping(L, SOFTWARE_GROUPINGS, v.tileBudget, v.trainKernel);
  return {
    g,
    plan: withFusedStep(softwareTilePlan(L, g, undefined, v.tileBudget), L, g, v.trainKernel),
  };
}

/** The median of numbers (the lower middle one for an even count). */
function mid(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** One round: each variant's cold compile (train + evaluate), then its model-steps/s per size. */
async function benchRound(
  ctx: GpuContext,
  w: Workload,
  variants: { v: Variant; backend: GpuBackend }[],
  o: BenchOptions,
  record: (key: string, value: number) => void,
): Promise<void> {
  const cells: string[] = [];
  for (const { v } of variants) {
    const { g, plan } = variantPlan(w, v);
    const train = await compileSeconds(ctx, TRAIN_STEP.source(g, plan).code);
    const evaluate = await compileSeconds(ctx, EVALUATE.source(g, plan).code);
    record(`${v.name}@compile`, train + evaluate);
    cells.push(`${v.name} ${formatFixed(train, 2)} + ${formatFixed(evaluate, 2)} s`);
  }
  console.log(`cold compile (train + evaluate): ${cells.join(", ")}`);
  for (const P of o.sizes) {
    const line: string[] = [];
    for (const { v, backend } of variants) {
      const row = await benchTrain(backend, w, P, o.seconds);
      record(`${v.name}@${P}`, row.model_steps_per_s);
      line.push(`${v.name} ${formatRate(row.model_steps_per_s)}`);
    }
    console.log(`P=${P} model-steps/s: ${line.join(", ")}`);
  }
}

/** One workload's rounds of every variant that applies to it, then the medians and ratios. */
async function benchWorkloadKernels(ctx: GpuContext, w: Workload, o: BenchOptions): Promise<void> {
  const L = mlpLayout({ size: 1, widths: w.widths, batchSize: w.batchSize });
  // A fused variant only where its step applies to the shape.
  const applies = VARIANTS.filter((v) => {
    const plan = variantPlan(w, v).plan;
    return v.trainKernel === "tiles" || plan.fused !== undefined || plan.fused2 !== undefined;
  });
  const variants = await Promise.all(applies.map(async (v) => ({
    v,
    backend: await GpuBackend.create(ctx, { trainKernel: v.trainKernel, tileBudget: v.tileBudget }),
  })));
  console.log(
    `\ntrain-step kernels of ${w.name} (MLP ${w.widths.join("-")}, batch ${w.batchSize}): ${
      applies.map((v) => v.name).join(", ")
    }, alternating`,
  );
  const values = new Map<string, number[]>();
  const record = (key: string, x: number) => values.set(key, [...values.get(key) ?? [], x]);
  for (let r = 0; r < o.repeat; r++) {
    console.log(`round ${r + 1}`);
    await benchRound(ctx, w, variants, o, record);
  }
  const base = applies[0]!.name;
  for (const key of ["compile", ...o.sizes.map(String)]) {
    const cells = applies.map((v) => {
      const xs = values.get(`${v.name}@${key}`)!;
      const m = mid(xs);
      // The ratio within each round (measured minutes apart at most), then its median.
      const bs = values.get(`${base}@${key}`)!;
      const ratio = formatFixed(mid(xs.map((x, r) => x / bs[r]!)), 2);
      return `${v.name} ${
        key === "compile" ? `${formatFixed(m, 2)} s` : formatRate(m)
      } (${ratio}x)`;
    });
    const what = key === "compile" ? "cold compile" : `P=${key} model-steps/s`;
    console.log(`median ${what} (median ratio to ${base} within a round): ${cells.join(", ")}`);
  }
  const acc = applies.map((v) =>
    `${v.name} ${trainStepAccesses(L, v.trainKernel, v.tileBudget).total.toLocaleString("en-US")}`
  );
  console.log(`storage accesses per model-step (bench/roofline.ts): ${acc.join(", ")}`);
}

/** Runs `bench --kernels` on every workload; needs a software adapter (the fused step's). */
export async function benchTrainKernelsMain(
  gpu: GpuBackend | undefined,
  workloads: Workload[],
  o: BenchOptions,
): Promise<number> {
  if (!gpu?.ctx.software) {
    console.log(
      "bench --kernels: the fused step runs on software adapters only; nothing to compare",
    );
    return 0;
  }
  for (const w of workloads) await benchWorkloadKernels(gpu.ctx, w, o);
  return 0;
}
