/**
 * The workgroup groupings of the MLP kernels on this adapter, side by side (made for a hardware GPU,
 * where the default is HARDWARE_GROUPING; bench/device.sh runs it):
 *
 *   deno run -A bench/groupings.ts [--sizes 16384] [--seconds 1] [--w2] [--groupings 1x64,2x32]
 *
 * For each grouping (models per workgroup x invocations per model) it first trains 37 models of
 * the workload for 3 SGD steps on the GPU and on the CPU twin from the same init and batches, and
 * prints the largest mixed error of the parameters (|gpu - cpu| / (1e-5 + 1e-4 |cpu|); at most 1 is
 * a match); then the model-steps/s and GFLOP/s of W (and W2) at each size, and the ratio to the
 * default grouping. A grouping the adapter refuses is printed as skipped with the reason.
 * @module
 */
import { parseArgs } from "node:util";
import { formatFixed, formatRate } from "../core/format.ts";
import { GpuContext } from "../core/gpu_context.ts";
import type { Backend } from "../learners/backend.ts";
import { CpuBackend } from "../learners/cpu_backend.ts";
import { GpuBackend, HARDWARE_GROUPING } from "../learners/gpu/gpu_backend.ts";
import { groupingKey, type MlpGrouping, parseGroupingKey } from "../learners/mlp/mlp_uniform.ts";
import { benchTrain, sgdSetup, type Workload, WORKLOAD_W, WORKLOAD_W2 } from "./workloads.ts";

/** The groupings compared: models per workgroup x invocations per model. */
export const GROUPINGS: readonly MlpGrouping[] = [
  [1, 32],
  [1, 64],
  [1, 128],
  [1, 256],
  [2, 32],
  [2, 64],
  [4, 16],
  [4, 32],
  [4, 64],
  [8, 8],
  [8, 16],
  [8, 32],
  [16, 4],
  [16, 16],
  [32, 2],
  [32, 8],
  [64, 1],
  [64, 4],
].map(([modelsPerGroup, roles]) => ({ modelsPerGroup: modelsPerGroup!, roles: roles! }));

/** Parameters of 37 models of `w` after 3 SGD steps on `backend` (same init and batches on each). */
async function trainedParams(backend: Backend, w: Workload): Promise<Float32Array> {
  const { pop, data } = sgdSetup(backend, w, 37, { rows: 512, seeds: [3, 11, 5], numBatches: 3 });
  pop.train(data, 3);
  const params = await pop.readParams();
  pop.destroy();
  data.destroy();
  return params;
}

/** The largest mixed error |a - b| / (1e-5 + 1e-4 |b|) over the entries. */
function mixedError(a: Float32Array, b: Float32Array): number {
  let worst = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length && i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1e-5 + 1e-4 * Math.abs(b[i]!)));
  }
  return worst;
}

/** Measures every grouping on `w` at each size; prints one line per (grouping, size). */
async function sweep(
  ctx: GpuContext,
  w: Workload,
  sizes: number[],
  seconds: number,
  groupings: readonly MlpGrouping[],
) {
  console.log(`\nworkload ${w.name}: MLP ${w.widths.join("-")}, batch ${w.batchSize}`);
  const want = await trainedParams(new CpuBackend(), w);
  const base = new Map<number, number>();
  const def = groupingKey(HARDWARE_GROUPING);
  const order = [HARDWARE_GROUPING, ...groupings.filter((g) => groupingKey(g) !== def)];
  for (const g of order) {
    let gpu: GpuBackend;
    let check: string;
    try {
      gpu = await GpuBackend.create(ctx, { grouping: g });
      const err = mixedError(await trainedParams(gpu, w), want);
      check = `mixed error vs CPU twin ${formatFixed(err, 3)}${err <= 1 ? "" : " -- MISMATCH"}`;
    } catch (e) {
      console.log(`  ${groupingKey(g)}: skipped: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    for (const P of sizes) {
      try {
        const r = await benchTrain(gpu, w, P, seconds);
        if (groupingKey(g) === def) base.set(P, r.model_steps_per_s);
        const ratio = r.model_steps_per_s / (base.get(P) ?? r.model_steps_per_s);
        console.log(
          `  ${groupingKey(g)}${groupingKey(g) === def ? " (default)" : ""} P=${P}: ${
            formatRate(r.model_steps_per_s)
          } model-steps/s, ${formatFixed(r.gflops, 0)} GFLOP/s, ${
            formatFixed(ratio, 2)
          }x the default; ${check}`,
        );
      } catch (e) {
        console.log(`  ${groupingKey(g)} P=${P}: skipped: ${(e as Error).message.split("\n")[0]}`);
      }
    }
  }
}

/** The usage line printed with a bad flag. */
const USAGE =
  "groupings: --sizes takes positive integers (16384,65536), --seconds a number > 0, --groupings MxR pairs (1x64,2x32)";

/** Parses the flags: sizes, seconds, groupings, W2 or not; undefined when one is bad. */
function parseFlags(args: string[]) {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        sizes: { type: "string", default: "16384" },
        seconds: { type: "string", default: "1" },
        w2: { type: "boolean", default: false },
        groupings: { type: "string" },
      },
    }).values;
  } catch {
    return undefined;
  }
  const groupings = values.groupings?.split(",").map(parseGroupingKey) ?? GROUPINGS;
  const sizes = values.sizes.split(",").map(Number);
  const seconds = Number(values.seconds);
  const positive = (n: number) => Number.isInteger(n) && n >= 1;
  const ok = sizes.every(positive) && seconds > 0 && groupings.every((g) => g !== undefined);
  return ok ? { sizes, seconds, groupings: groupings as MlpGrouping[], w2: values.w2 } : undefined;
}

if (import.meta.main) {
  const flags = parseFlags(Deno.args);
  if (!flags) {
    console.error(USAGE);
    Deno.exit(2);
  }
  const ctx = await GpuContext.create();
  console.log(ctx.describe());
  await sweep(ctx, WORKLOAD_W, flags.sizes, flags.seconds, flags.groupings);
  if (flags.w2) await sweep(ctx, WORKLOAD_W2, flags.sizes, flags.seconds, flags.groupings);
}
