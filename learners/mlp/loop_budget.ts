/**
 * Loop-iteration budgets of the MLP kernels on software adapters.
 *
 * Mesa's llvmpipe/lavapipe (the software Vulkan driver used on machines without a GPU) stops every
 * loop of a shader invocation once that invocation has run 65,535 loop iterations in total, all
 * loops together (LP_MAX_TGSI_LOOP_ITERATIONS in gallivm), silently. An invocation here is one SIMD
 * group of 8 lanes. So on a software adapter each kernel's work per invocation must stay under
 * that count: the train step picks how many invocations share a model, and evaluation is split
 * into several dispatches. These are upper bounds of the iterations each kernel's loops run.
 * @module
 */
import { ceilDiv } from "../../core/buffers.ts";
import type { MlpLayout } from "./mlp_layout.ts";
import type { MlpGrouping } from "./mlp_uniform.ts";
import { type TrainKernel, withFusedStep } from "./mlp_fused.ts";
import {
  layerProducts,
  MAX_TILE_ACCUMULATORS,
  planTiles,
  quadLayout,
  smallTilePlan,
  type TiledProduct,
  type TilePlan,
} from "./mlp_tiles.ts";

/** Iterations allowed per invocation (the driver's limit is 65,535; keep a margin). */
export const LOOP_BUDGET = 50_000;

/**
 * Loop iterations counted against the budget for `runs` runs of a loop with `iterations`
 * iterations in all: lavapipe also counts each run's exit test.
 */
export const loopRuns = (runs: number, iterations: number): number => iterations + runs;

/**
 * Loops of the train step's update over the parameters as F32V elements (shaders/train_step.wgsl,
 * 4 parameters per step with vec4 plans): sgd (also copying diverged models), the learned
 * optimizer's weight norm, momentum (kinds 1 and 3) and adam. The learned per-parameter update
 * (kind 4) adds one loop over single parameters.
 */
const VECTOR_UPDATE_LOOPS = 4;

/**
 * Loop iterations of one role's share of a product's tiles: the loop over the tiles, each tile's
 * loop over the shared dimension and its epilogue's loop over columns (none for small tiles).
 */
function tileIterations(p: TiledProduct, roles: number): number {
  return ceilDiv(p.tiles, roles) * (p.steps + p.epilogueSteps + 1) + 1;
}

/** Loop iterations of the forward pass on `nb` samples for one invocation (role) of a model. */
function forwardIterations(layout: MlpLayout, roles: number, plan: TilePlan, nb: number): number {
  let it = 0;
  for (let l = 0; l < layout.layers; l++) {
    it += tileIterations(layerProducts(layout, plan, l, nb).forward, roles);
  }
  return it;
}

/** Loop iterations of one role's share of a loss loop over B samples (each loops over the outputs). */
function lossIterations(layout: MlpLayout, roles: number): number {
  return ceilDiv(layout.batchSize, roles) * (2 * layout.outputs + 2);
}

/**
 * Upper bound of the loop iterations one invocation runs in one train step, with the register
 * tiles of `plan` (by default the software adapter's plan, softwareTilePlan).
 */
export function trainIterations(
  layout: MlpLayout,
  g: MlpGrouping,
  plan: TilePlan = softwareTilePlan(layout, g),
): number {
  const R = g.roles;
  let it = 0;
  if (plan.fused) {
    // The fused step's two loops over the hidden units (learners/mlp/mlp_fused_wgsl.ts).
    it += 2 * (plan.fused.hidden + 1);
  } else if (plan.fused2) {
    // The two-hidden-layer step's loops (mlp_fused2_wgsl.ts): per chunk of each hidden layer a loop
    // over the quads of its inputs, forward and backward; the output layer's, back through it, and
    // the pass forming the first layer's deltas over quads of the hidden widths.
    const f = plan.fused2;
    const [Q, HQ, KQ] = [f.inputs / 4, f.hidden1 / 4, f.hidden2 / 4];
    const [nH, nK] = [f.hidden1 / f.chunk, f.hidden2 / f.chunk];
    it += 2 * (nH * (Q + 2) + nK * (HQ + 2)) + 2 * KQ + HQ + 5;
  } else {
    it += forwardIterations(layout, R, plan, layout.batchSize);
    it += lossIterations(layout, R) + 1;
    for (let l = 0; l < layout.layers; l++) {
      const { grad, delta } = layerProducts(layout, plan, l);
      it += tileIterations(grad, R);
      if (delta) it += tileIterations(delta, R);
    }
  }
  it += Math.log2(R) + 1; // reductions
  // The update loops (a SIMD group whose models mix kinds runs all of them).
  const perStep = plan.vec4 || plan.fused2 ? 4 : 1;
  it += VECTOR_UPDATE_LOOPS * (ceilDiv(ceilDiv(layout.paramCount, perStep), R) + 1);
  it += ceilDiv(layout.paramCount, R) + 1;
  return it;
}

/** Upper bound of the loop iterations one invocation runs per evaluated chunk of B samples. */
export function evalChunkIterations(
  layout: MlpLayout,
  g: MlpGrouping,
  plan: TilePlan = softwareTilePlan(layout, g),
): number {
  // The loss loop, and at most as many iterations for the loop writing the outputs (mode 1).
  return forwardIterations(layout, g.roles, plan, layout.batchSize) +
    2 * lossIterations(layout, g.roles) + 3;
}

/** Whether a train step and an evaluated chunk with `plan` stay within the loop budget. */
export function fitsBudget(layout: MlpLayout, g: MlpGrouping, plan: TilePlan): boolean {
  return trainIterations(layout, g, plan) <= LOOP_BUDGET &&
    evalChunkIterations(layout, g, plan) <= LOOP_BUDGET;
}

/**
 * The register tiles of a layout on a software adapter: planTiles' choice, or SMALL_TILE tiles
 * when that choice would exceed the loop budget and they do not (big tiles shared by several
 * invocations leave fewer tiles to split among them, so one invocation can run more iterations).
 * `vec4` and the tiles' accumulator `budget` as in planTiles.
 */
export function softwareTilePlan(
  layout: MlpLayout,
  g: MlpGrouping,
  vec4: boolean = quadLayout(layout),
  budget: number = MAX_TILE_ACCUMULATORS,
): TilePlan {
  const plan = planTiles(layout, g, vec4, budget);
  const small = smallTilePlan(layout.layers, plan.vec4);
  return fitsBudget(layout, g, plan) || !fitsBudget(layout, g, small) ? plan : small;
}

/** Groupings tried on a software adapter, fastest first (all with 8 lanes per SIMD group). */
export const SOFTWARE_GROUPINGS: readonly MlpGrouping[] = [
  { modelsPerGroup: 8, roles: 1 },
  { modelsPerGroup: 8, roles: 2 },
  { modelsPerGroup: 8, roles: 4 },
  { modelsPerGroup: 8, roles: 8 },
  { modelsPerGroup: 4, roles: 16 },
  { modelsPerGroup: 2, roles: 32 },
  { modelsPerGroup: 1, roles: 64 },
];

/**
 * The first grouping of `candidates` whose train step and one evaluated chunk fit the loop budget,
 * with register tiles of at most `tileBudget` accumulators (as softwareTilePlan), or with the
 * two-hidden-layer fused step where `kernel` allows it and it applies (mlp_fused2.ts: its loops are
 * few, so a shape whose tiles need several invocations per model runs fused with one). Throws a
 * RangeError naming the population's shape when none fits.
 */
export function chooseGrouping(
  layout: MlpLayout,
  candidates: readonly MlpGrouping[],
  tileBudget: number = MAX_TILE_ACCUMULATORS,
  kernel: TrainKernel = "fused",
): MlpGrouping {
  for (const g of candidates) {
    const tiles = softwareTilePlan(layout, g, undefined, tileBudget);
    const plan = withFusedStep(tiles, layout, g, kernel);
    if (fitsBudget(layout, g, plan.fused2 ? plan : tiles)) return g;
  }
  const g = candidates.at(-1)!;
  throw new RangeError(
    `Cannot create population as its train step needs <= ${LOOP_BUDGET} loop iterations per invocation on this software adapter: current value is ${
      trainIterations(layout, g)
    } for widths [${layout.widths}] and batchSize ${layout.batchSize} (reduce the widths or the batch size)`,
  );
}

/** Eval chunks of B samples per dispatch that keep one invocation within the loop budget. */
export function evalChunksPerDispatch(layout: MlpLayout, g: MlpGrouping): number {
  return Math.max(1, Math.floor(LOOP_BUDGET / evalChunkIterations(layout, g)));
}
