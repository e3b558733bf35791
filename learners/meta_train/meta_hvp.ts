/**
 * Wrapper of `shaders/meta_hvp.wgsl` and `shaders/meta_hvp_update.wgsl` (one step back through an
 * inner SGD step of second-order MAML: v <- v - lr H v for every model); their CPU twin is
 * `hvpStepCpu` in maml_cpu.ts. On a software adapter the support batch is split over several
 * dispatches so that no invocation passes the driver's loop cap (`hvpPlan`).
 * @module
 */
import code from "../../shaders/meta_hvp.wgsl" with { type: "text" };
import updateCode from "../../shaders/meta_hvp_update.wgsl" with { type: "text" };
import { LOOP_BUDGET, loopRuns as loop } from "../mlp/loop_budget.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import type { HvpTables } from "./maml_cpu.ts";
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";
import { MLP_LAYOUT_PARAMS, mlpLayoutParams } from "./mlp_layout_params.ts";

/**
 * Invocations per workgroup of the Hessian-vector kernel (one per model): 8, one SIMD group on a
 * software adapter, which runs each workgroup on one thread, so that a small meta-batch still
 * spreads over the cores.
 */
export const HVP_WORKGROUP = 8;

/** The Hessian-vector kernel. */
export const META_HVP: MetaKernel = metaKernel("meta_hvp", code, {
  workgroupSize: HVP_WORKGROUP,
  read: "x, y, batches: array<u32>, labelMap: array<u32>, theta",
  readWrite: "v, hv, scratch",
  params: `models, batchSize, rowLen, labelWidth, lossKind, targetWidth, sampleStart, sampleEnd, ` +
    `update, gridX, lr: f32, ${MLP_LAYOUT_PARAMS}`,
});

/** The update v <- v - lr hv after a split Hessian-vector pass (one invocation per parameter). */
export const META_HVP_UPDATE: MetaKernel = metaKernel("meta_hvp_update", updateCode, {
  read: "hv",
  readWrite: "v",
  params: "n, count, stride, gridX, lr: f32",
});

/** Bindings of the Hessian-vector kernel. */
export interface HvpBuffers {
  /** (count, inputs) f32 inputs of the data set. */
  x: MetaBinding;
  /** (count, targetWidth) targets. */
  y: MetaBinding;
  /** (models, rowLen) batch table. */
  batches: MetaBinding;
  /** (models, labelWidth) label maps (any buffer when labelWidth is 0). */
  labelMap: MetaBinding;
  /** (models, stride) parameters at which the Hessian is taken. */
  theta: MetaBinding;
  /** (models, stride) the vector, updated. */
  v: MetaBinding;
  /** (models, stride) scratch for H v. */
  hv: MetaBinding;
  /** (models, 4 * actWidth) scratch. */
  scratch: MetaBinding;
}

/**
 * Loop iterations one invocation of meta_hvp runs per support sample for layout `L`, each loop's
 * exit tests counted (`loopRuns`): forward_r and backward_r over the layers, each layer's units
 * and their inputs; the output deltas (4 loops over the outputs, the first from the second output,
 * for the cross-entropy, 1 for MSE); backward_r back through every layer but the first, its inputs
 * each over the layer's units. At 196-64-64-5 with cross-entropy: 39,163.
 */
export function hvpSampleIterations(L: MlpLayout): number {
  const k = L.outputs;
  let it = L.loss === "mse" ? loop(1, k) : loop(1, k - 1) + 3 * loop(1, k);
  it += 2 * loop(1, L.layers);
  for (let l = 0; l < L.layers; l++) {
    const [fin, fout] = [L.widths[l]!, L.widths[l + 1]!];
    it += 2 * (loop(1, fout) + loop(fout, fout * fin));
    if (l > 0) it += loop(1, fin) + loop(fin, fin * fout);
  }
  return it;
}

/**
 * Upper bound of the loop iterations one invocation of meta_hvp runs for layout `L` on `samples`
 * support samples (default the whole batch), with its loop updating v over the parameters when
 * `update` (default true: the whole step in one dispatch). Lavapipe stops every loop of an
 * invocation once it has run 65,535 iterations in all (learners/mlp/loop_budget.ts), silently: at
 * 196-64-64-5 with 5 samples one dispatch needs 212,915 (the kernel before 2026-12-03, which also
 * cleared hv, about 230,000: its last loop never ran, and the loop returned the first-order
 * gradient, so MAML was FOMAML on the software adapter); `hvpPlan` splits the batch.
 */
export function hvpLoopIterations(
  L: MlpLayout,
  o: { samples?: number; update?: boolean } = {},
): number {
  const samples = o.samples ?? L.batchSize;
  const update = o.update ?? true;
  return loop(1, samples) + samples * hvpSampleIterations(L) +
    (update ? loop(1, L.paramCount) : 0);
}

/** How a Hessian-vector step is dispatched (`hvpPlan`). */
export interface HvpPlan {
  /** Support samples per meta_hvp dispatch (the last takes the rest of the batch). */
  samples: number;
  /** Whether meta_hvp updates v itself (one dispatch), else meta_hvp_update does after the last. */
  fused: boolean;
}

/**
 * The dispatches of a Hessian-vector step for layout `L` under a per-invocation loop `budget`
 * (default none, a hardware adapter; LOOP_BUDGET on a software one): the whole step in one
 * dispatch when it fits, else as many samples per dispatch as fit followed by meta_hvp_update;
 * null when one sample alone is past the budget.
 */
export function hvpPlan(L: MlpLayout, budget: number = Infinity): HvpPlan | null {
  if (hvpLoopIterations(L) <= budget) return { samples: L.batchSize, fused: true };
  // loop(1, s) + s * perSample <= budget.
  const samples = Math.min(L.batchSize, Math.floor((budget - 1) / (hvpSampleIterations(L) + 1)));
  return samples >= 1 ? { samples, fused: false } : null;
}

/** Whether some split of the kernel stays within a software adapter's loop budget for layout `L`. */
export function hvpFitsLoopBudget(L: MlpLayout): boolean {
  return hvpPlan(L, LOOP_BUDGET) !== null;
}

/** Floats of the kernel's activation scratch per model. */
export function hvpScratchFloats(L: MlpLayout): number {
  return 4 * L.actWidth;
}

/**
 * The runs of one Hessian-vector step over every model of `o.models` for layout `L` and target
 * width `targetWidth`, dispatched as `plan` says (default the whole step in one dispatch), to encode
 * in order: meta_hvp on each range of support samples, then meta_hvp_update unless fused.
 */
export function metaHvpRuns(
  L: MlpLayout,
  b: HvpBuffers,
  o: HvpTables & { targetWidth: number; plan?: HvpPlan },
): [MetaKernel, MetaRun][] {
  const { models, rowLen, labelWidth, targetWidth, lr } = o;
  const plan = o.plan ?? { samples: L.batchSize, fused: true };
  const params = {
    models,
    batchSize: L.batchSize,
    rowLen,
    labelWidth,
    targetWidth,
    lr,
    lossKind: L.loss === "mse" ? 1 : 0,
    update: plan.fused ? 1 : 0,
    ...mlpLayoutParams(L),
  };
  const runs: [MetaKernel, MetaRun][] = [];
  for (let s = 0; s < L.batchSize; s += plan.samples) {
    const range = { sampleStart: s, sampleEnd: Math.min(L.batchSize, s + plan.samples) };
    runs.push([META_HVP, { n: models, buffers: { ...b }, params: { ...params, ...range } }]);
  }
  if (!plan.fused) {
    const n = models * L.paramCount;
    const update = { n, count: L.paramCount, stride: L.stride, lr };
    runs.push([META_HVP_UPDATE, { n, buffers: { hv: b.hv, v: b.v }, params: update }]);
  }
  return runs;
}
