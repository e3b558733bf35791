/**
 * `bench --kernels`: the two train-step kernels of a workload on one adapter, in one process, each
 * measurement alternating between them: the tiled kernel (learners/mlp/mlp_tiles.ts, activations
 * and deltas in storage) and the fused step (learners/mlp/mlp_fused.ts, where the shape allows).
 * Per round it times each kernel's cold compile (the train-step and evaluate pipelines a new
 * network shape needs, built from source: lavapipe keeps no cache of them, on disk or in the
 * process) and its model-steps/s at every size; it prints each round, the medians, their ratio and
 * each kernel's storage accesses per model-step (bench/roofline.ts).
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

const KERNELS: readonly TrainKernel[] = ["tiles", "fused"];

/** Seconds to build one pipeline from source (shader module and compute pipeline). */
async function compileSeconds(ctx: GpuContext, code: string): Promise<number> {
  const t0 = performance.now();
  const module = ctx.device.createShaderModule({ code });
  await ctx.device.createComputePipelineAsync({ layout: "auto", compute: { module } });
  return (performance.now() - t0) / 1000;
}

/** Cold compile seconds of a workload's train-step and evaluate pipelines with `kernel`. */
async function coldCompile(
  ctx: GpuContext,
  w: Workload,
  kernel: TrainKernel,
): Promise<{ train: number; evaluate: number; fused: boolean }> {
  const L = mlpLayout({ size: 1, widths: w.widths, batchSize: w.batchSize });
  const g = chooseGrouping(L, SOFTWARE_GROUPINGS);
  const plan = withFusedStep(softwareTilePlan(L, g), L, g, kernel);
  return {
    train: await compileSeconds(ctx, TRAIN_STEP.source(g, plan).code),
    evaluate: await compileSeconds(ctx, EVALUATE.source(g, plan).code),
    fused: plan.fused !== undefined,
  };
}

/** The median of numbers (the lower middle one for an even count). */
function mid(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** One workload's rounds: compile times and throughput of both kernels, alternating. */
async function benchWorkloadKernels(ctx: GpuContext, w: Workload, o: BenchOptions): Promise<void> {
  const backends = await Promise.all(
    KERNELS.map((k) => GpuBackend.create(ctx, { trainKernel: k })),
  );
  const L = mlpLayout({ size: 1, widths: w.widths, batchSize: w.batchSize });
  console.log(
    `\ntrain-step kernels of ${w.name} (MLP ${w.widths.join("-")}, batch ${w.batchSize}):`,
  );
  const compile: Record<TrainKernel, number[]> = { tiles: [], fused: [] };
  const rate = new Map<string, number[]>();
  for (let r = 0; r < o.repeat; r++) {
    const cells: string[] = [];
    for (const k of KERNELS) {
      const c = await coldCompile(ctx, w, k);
      if (k === "fused" && !c.fused) continue;
      compile[k].push(c.train + c.evaluate);
      cells.push(`${k} ${formatFixed(c.train, 2)} + ${formatFixed(c.evaluate, 2)} s`);
    }
    console.log(`round ${r + 1} cold compile (train + evaluate): ${cells.join(", ")}`);
    for (const P of o.sizes) {
      const line: string[] = [];
      for (const [i, k] of KERNELS.entries()) {
        if (k === "fused" && compile.fused.length === 0) continue;
        const row = await benchTrain(backends[i]!, w, P, o.seconds);
        const key = `${k}@${P}`;
        rate.set(key, [...rate.get(key) ?? [], row.model_steps_per_s]);
        line.push(`${k} ${formatRate(row.model_steps_per_s)}`);
      }
      console.log(`round ${r + 1} P=${P} model-steps/s: ${line.join(", ")}`);
    }
  }
  const acc = (k: TrainKernel) => Math.round(trainStepAccesses(L, k).total).toLocaleString("en-US");
  if (compile.fused.length === 0) {
    console.log(`${w.name}: the fused step does not apply (learners/mlp/mlp_fused.ts); tiles only`);
    return;
  }
  for (const P of o.sizes) {
    const [t, f] = KERNELS.map((k) => mid(rate.get(`${k}@${P}`)!));
    console.log(
      `median P=${P}: tiles ${formatRate(t!)}, fused ${formatRate(f!)} model-steps/s, fused/tiles ${
        formatFixed(f! / t!, 2)
      }x`,
    );
  }
  console.log(
    `median cold compile (train + evaluate): tiles ${formatFixed(mid(compile.tiles), 2)} s, fused ${
      formatFixed(mid(compile.fused), 2)
    } s; storage accesses per model-step: tiles ${acc("tiles")}, fused ${acc("fused")}`,
  );
  for (const b of backends) b.destroy();
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
