/**
 * The workgroup groupings of the MLP kernels on this adapter, side by side (made for a hardware GPU,
 * where the default is HARDWARE_GROUPING; bench/device.sh runs it):
 *
 *   deno run -A bench/groupings.ts [--sizes 16384] [--seconds 1] [--w2] [--groupings 1x64,2x32t4]
 *
 * "MxRtS" is grouping MxR with square register tiles of side S for every product instead of the
 * planned ones (GpuBackendOptions.tileSide): on hardware the plan gives 8 x 8 tiles from 16
 * invocations per model and up to 256 accumulators below that, so a grouping's speed and its
 * tiles' can be told apart. A trailing "w" ("MxRw", "MxRtSw") keeps the train step's activations
 * and deltas in workgroup memory instead of the scratch buffer (GpuBackendOptions.scratch).
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
import { isTileSide } from "../learners/mlp/mlp_tiles.ts";
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

/**
 * A grouping with, optionally, square tiles of a given side and activations in workgroup memory
 * ("MxR", "MxRtS", "MxRw", "MxRtSw").
 */
export interface Variant {
  grouping: MlpGrouping;
  tileSide?: number;
  /** Activations and deltas in workgroup memory (GpuBackendOptions.scratch "workgroup"). */
  workgroupScratch?: boolean;
}

/** "MxR", "MxRtS", "MxRw" or "MxRtSw" of a variant. */
export function variantKey(v: Variant): string {
  return `${groupingKey(v.grouping)}${v.tileSide === undefined ? "" : `t${v.tileSide}`}${
    v.workgroupScratch ? "w" : ""
  }`;
}

/**
 * The variant "MxR", "MxRtS", "MxRw" or "MxRtSw" names (S a multiple of 4 in [4, 32]; w: workgroup
 * scratch), or undefined.
 */
export function parseVariant(text: string): Variant | undefined {
  const m = /^(\d+x\d+)(?:t(\d+))?(w?)$/.exec(text);
  const grouping = m ? parseGroupingKey(m[1]!) : undefined;
  if (!grouping) return undefined;
  const v: Variant = m![3] ? { grouping, workgroupScratch: true } : { grouping };
  if (m![2] === undefined) return v;
  const tileSide = Number(m![2]);
  return isTileSide(tileSide) ? { ...v, tileSide } : undefined;
}

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
  variants: readonly Variant[],
) {
  console.log(`\nworkload ${w.name}: MLP ${w.widths.join("-")}, batch ${w.batchSize}`);
  const want = await trainedParams(new CpuBackend(), w);
  const base = new Map<number, number>();
  const def = groupingKey(HARDWARE_GROUPING);
  const order = [{ grouping: HARDWARE_GROUPING }, ...variants.filter((v) => variantKey(v) !== def)];
  for (const v of order) {
    const key = variantKey(v);
    let gpu: GpuBackend;
    let check: string;
    try {
      gpu = await GpuBackend.create(ctx, {
        grouping: v.grouping,
        tileSide: v.tileSide,
        scratch: v.workgroupScratch ? "workgroup" : "storage",
      });
      const err = mixedError(await trainedParams(gpu, w), want);
      check = `mixed error vs CPU twin ${formatFixed(err, 3)}${err <= 1 ? "" : " -- MISMATCH"}`;
    } catch (e) {
      console.log(`  ${key}: skipped: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    for (const P of sizes) {
      try {
        const r = await benchTrain(gpu, w, P, seconds);
        if (key === def) base.set(P, r.model_steps_per_s);
        const ratio = r.model_steps_per_s / (base.get(P) ?? r.model_steps_per_s);
        console.log(
          `  ${key}${key === def ? " (default)" : ""} P=${P}: ${
            formatRate(r.model_steps_per_s)
          } model-steps/s, ${formatFixed(r.gflops, 0)} GFLOP/s, ${
            formatFixed(ratio, 2)
          }x the default; ${check}`,
        );
      } catch (e) {
        console.log(`  ${key} P=${P}: skipped: ${(e as Error).message.split("\n")[0]}`);
      }
    }
  }
}

/** The usage line printed with a bad flag. */
const USAGE =
  "groupings: --sizes takes positive integers (16384,65536), --seconds a number > 0, --groupings MxR pairs, each with an optional tile side tS, S a multiple of 4 in [4, 32], and w for activations in workgroup memory (1x64,2x32t4,1x32w)";

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
  const groupings = values.groupings?.split(",").map(parseVariant) ??
    GROUPINGS.map((grouping) => ({ grouping }));
  const sizes = values.sizes.split(",").map(Number);
  const seconds = Number(values.seconds);
  const positive = (n: number) => Number.isInteger(n) && n >= 1;
  const ok = sizes.every(positive) && seconds > 0 && groupings.every((g) => g !== undefined);
  return ok ? { sizes, seconds, groupings: groupings as Variant[], w2: values.w2 } : undefined;
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
