/**
 * The kernels a GPU population runs, and how a population picks its workgroup grouping and
 * register tiles (learners/mlp/loop_budget.ts, learners/mlp/mlp_tiles.ts) and so its pipelines.
 * @module
 */
import type { GpuContext } from "../../core/gpu_context.ts";
import type { InputPrecision } from "../backend.ts";
import {
  chooseGrouping,
  fitsBudget,
  SOFTWARE_GROUPINGS,
  softwareTilePlan,
} from "../mlp/loop_budget.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { planTiles, quadLayout, smallTilePlan, type TilePlan } from "../mlp/mlp_tiles.ts";
import { type TrainKernel, withFusedStep } from "../mlp/mlp_fused.ts";
import { groupingKey, type MlpGrouping } from "../mlp/mlp_uniform.ts";
import { withWorkgroupScratch } from "../mlp/scratch_wgsl.ts";

/** The kernels of a backend: init and sampling, and the MLP kernels per workgroup grouping. */
export interface Kernels {
  init: GPUComputePipeline;
  sample: GPUComputePipeline;
  /** Train-step and evaluate pipelines for a grouping, tile plan and input precision (built on first use). */
  mlp(g: MlpGrouping, plan: TilePlan, p: InputPrecision): MlpPipelines;
}

/** The MLP kernels of one grouping and input precision. */
export interface MlpPipelines {
  train: GPUComputePipeline;
  evaluate: GPUComputePipeline;
}

/** Pipelines a population uses. */
export interface Pipelines {
  grouping: MlpGrouping;
  /** Train-step and evaluate pipelines for the input precision of a data set. */
  mlp(p: InputPrecision): MlpPipelines;
  init: GPUComputePipeline;
  sample: GPUComputePipeline;
}

/**
 * On hardware: one model per workgroup of 32 invocations (one NVIDIA warp). Measured on an NVIDIA
 * H200 with bench/groupings.ts (2026-12-04): W (32-64-5, batch 32) 1.49x one model per 64
 * invocations at P = 16,384 and 1.57x at 4,096; W2 (32-128-128-5) 1.01x at 4,096.
 */
export const HARDWARE_GROUPING: MlpGrouping = { modelsPerGroup: 1, roles: 32 };

/** How a population's kernels and dispatches are chosen (see GpuBackendOptions). */
export interface GpuPopulationOptions {
  /** Workgroup grouping (default: the adapter's). */
  grouping?: MlpGrouping;
  /** Cap on the bytes one binding may hold. */
  maxBindingBytes?: number;
  /** Train-step kernel on a software adapter (default "fused" where it applies). */
  trainKernel?: TrainKernel;
  /** Most accumulators per register tile on a software adapter (default MAX_TILE_ACCUMULATORS). */
  tileBudget?: number;
  /** Square tiles of this side for every product instead of the planned ones (see GpuBackendOptions). */
  tileSide?: number;
  /** Where the tiled train step keeps activations and deltas (see GpuBackendOptions). */
  scratch?: "storage" | "workgroup";
}

/**
 * Square tiles of `side` for every product of L, the tiled train step (no fused step); on a
 * software adapter only within its loop budget (a RangeError otherwise).
 */
function sideTilePlan(L: MlpLayout, g: MlpGrouping, side: number, software: boolean): TilePlan {
  const plan = smallTilePlan(L.layers, quadLayout(L), side);
  if (software && !fitsBudget(L, g, plan)) {
    throw new RangeError(
      `Cannot use tileSide ${side} with grouping ${
        groupingKey(g)
      } on a software adapter: its loops would pass the adapter's iteration budget`,
    );
  }
  return plan;
}

/**
 * The pipelines of a population of layout L: the grouping given, or on a software adapter the
 * first that keeps each invocation within the loop budget (checked either way there), and the
 * register tiles of the layout for it; on a software adapter with the fused train step
 * (learners/mlp/mlp_fused.ts) where it applies, unless `trainKernel` is "tiles".
 */
export function populationPipelines(
  ctx: GpuContext,
  kernels: Kernels,
  L: MlpLayout,
  o: GpuPopulationOptions = {},
): Pipelines {
  // Workgroup scratch needs the tiled train step (a fused step keeps activations in registers).
  const local = o.scratch === "workgroup";
  const kernel = local ? "tiles" : o.trainKernel;
  const g = o.grouping ??
    (ctx.software
      ? chooseGrouping(L, SOFTWARE_GROUPINGS, o.tileBudget, kernel)
      : HARDWARE_GROUPING);
  if (ctx.software && o.tileSide === undefined) chooseGrouping(L, [g], o.tileBudget, kernel);
  const base: TilePlan = o.tileSide !== undefined
    ? sideTilePlan(L, g, o.tileSide, ctx.software)
    : ctx.software
    ? withFusedStep(softwareTilePlan(L, g, undefined, o.tileBudget), L, g, kernel)
    : planTiles(L, g);
  const plan = local
    ? withWorkgroupScratch(base, L, g, ctx.limit("maxComputeWorkgroupStorageSize"))
    : base;
  return {
    grouping: g,
    init: kernels.init,
    sample: kernels.sample,
    mlp: (p) => kernels.mlp(g, plan, p),
  };
}
