/**
 * Wrapper of `shaders/meta_hvp.wgsl` (one step back through an inner SGD step of second-order
 * MAML: v <- v - lr H v for every model); its CPU twin is `hvpStepCpu` in maml_cpu.ts.
 * @module
 */
import code from "../../shaders/meta_hvp.wgsl" with { type: "text" };
import { LOOP_BUDGET } from "../mlp/loop_budget.ts";
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
  params:
    `models, batchSize, rowLen, labelWidth, lossKind, targetWidth, gridX, lr: f32, ${MLP_LAYOUT_PARAMS}`,
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
 * Loop iterations one invocation of the kernel runs for layout `L` (its batchSize samples): the
 * two loops over the stride (clearing hv, updating v), and per sample the forward and R-forward
 * (over layers, units and inputs), the output deltas (4 loops over the outputs for the
 * cross-entropy, 1 for MSE) and the backward and R-backward (the same loops as forward, and back
 * through every layer but the first). Lavapipe stops every loop of an invocation once it has run
 * 65,535 iterations in all (learners/mlp/loop_budget.ts), silently: at 196-64-64-5 with 5 samples
 * the kernel needs about 229,000, its last loop never ran, and the loop returned the first-order
 * gradient (MAML was FOMAML on the software adapter until 2026-12-03).
 */
export function hvpLoopIterations(L: MlpLayout): number {
  let perSample = L.loss === "mse" ? L.outputs : 4 * L.outputs;
  for (let l = 0; l < L.layers; l++) {
    const [fin, fout] = [L.widths[l]!, L.widths[l + 1]!];
    // forward_r and backward_r: the layer, its units and their inputs.
    perSample += 2 * (1 + fout * (1 + fin));
    // backward_r back through layer l > 0: its inputs, each over the layer's units.
    if (l > 0) perSample += fin * (1 + fout);
  }
  return 2 * L.stride + L.batchSize * (1 + perSample);
}

/** Whether the kernel's loops stay within a software adapter's loop budget for layout `L`. */
export function hvpFitsLoopBudget(L: MlpLayout): boolean {
  return hvpLoopIterations(L) <= LOOP_BUDGET;
}

/** Floats of the kernel's activation scratch per model. */
export function hvpScratchFloats(L: MlpLayout): number {
  return 4 * L.actWidth;
}

/** The kernel run over every model of `o.models` for layout `L` and target width `targetWidth`. */
export function metaHvpRun(
  L: MlpLayout,
  b: HvpBuffers,
  o: HvpTables & { targetWidth: number },
): MetaRun {
  const { models, rowLen, labelWidth, targetWidth, lr } = o;
  const params = { models, batchSize: L.batchSize, rowLen, labelWidth, targetWidth, lr };
  return {
    n: models,
    buffers: { ...b },
    params: { ...params, lossKind: L.loss === "mse" ? 1 : 0, ...mlpLayoutParams(L) },
  };
}
