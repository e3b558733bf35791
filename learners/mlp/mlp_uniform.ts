/**
 * The `MlpParams` uniform shared by train_step and evaluate (declared in shaders/_mlp.wgsl): the
 * workgroup grouping, the scratch layout and the packing of the parameters per call.
 * @module
 */
import type { MlpLayout } from "./mlp_layout.ts";

/** How the invocations of an MLP workgroup are shared: MPG models with ROLES invocations each. */
export interface MlpGrouping {
  /** Models per workgroup. */
  modelsPerGroup: number;
  /** Invocations per model. */
  roles: number;
}

/** A grouping as "MxR": M models per workgroup, R invocations each. */
export function groupingKey(g: MlpGrouping): string {
  return `${g.modelsPerGroup}x${g.roles}`;
}

/** The grouping "MxR" names (powers of two, M * R <= 256), or undefined for any other text. */
export function parseGroupingKey(v: string): MlpGrouping | undefined {
  const m = /^(\d+)x(\d+)$/.exec(v);
  const [modelsPerGroup, roles] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  const pow2 = (n: number) => n >= 1 && n <= 256 && Number.isInteger(Math.log2(n));
  return pow2(modelsPerGroup) && pow2(roles) && modelsPerGroup * roles <= 256
    ? { modelsPerGroup, roles }
    : undefined;
}

/** A population's model count padded up to a multiple of the models per workgroup. */
export function paddedModels(size: number, g: MlpGrouping): number {
  return Math.ceil(size / g.modelsPerGroup) * g.modelsPerGroup;
}

/** Bytes of the MlpParams uniform. */
export const MLP_PARAMS_BYTES = 160;

/** First scratch activation row of each layer's outputs (one row per unit). */
export function activationRows(layout: MlpLayout): { offsets: number[]; rows: number } {
  const offsets: number[] = [];
  let rows = 0;
  for (let l = 0; l < layout.layers; l++) {
    offsets.push(rows);
    rows += layout.widths[l + 1]!;
  }
  return { offsets, rows };
}

/** Per-model scratch floats: the activations and deltas of B samples. */
export function scratchStride(layout: MlpLayout): number {
  return 2 * activationRows(layout).rows * layout.batchSize;
}

/** Values of MlpParams that change per call. */
export interface MlpParamsOptions {
  /** Models the kernel runs (the padded population size). */
  models: number;
  /** Batch slots per model. */
  numBatches: number;
  /** Width of the label map rows (0: none). */
  labelMapWidth: number;
  /** Targets per sample. */
  targetWidth: number;
  /** Kernel mode (train: 0 update, 1 gradients only; eval: 1 = write outputs). */
  mode: number;
  /** Workgroups per row of the dispatch grid. */
  gridX: number;
  /** Eval samples per model. */
  evalCount: number;
  /** First eval sample of a dispatch. */
  evalStart?: number;
  /** End of a dispatch's eval samples. */
  evalEnd?: number;
}

/** Packs MlpParams (byte offsets as in shaders/_mlp.wgsl). */
export function packMlpParams(layout: MlpLayout, o: MlpParamsOptions): Uint32Array<ArrayBuffer> {
  const u = new Uint32Array(MLP_PARAMS_BYTES / 4);
  const acts = activationRows(layout);
  for (let l = 0; l < layout.widths.length; l++) u[l] = layout.widths[l]!; // @0 widths[0..4]
  for (let l = 0; l < layout.layers; l++) {
    u[8 + l] = layout.weightOffset[l]!; // @32 w_offs
    u[12 + l] = layout.biasOffset[l]!; // @48 b_offs
    u[16 + l] = acts.offsets[l]!; // @64 a_offs
  }
  u[20] = o.models; // @80 P
  u[21] = layout.layers; // @84 L
  u[22] = layout.batchSize; // @88 B
  u[23] = layout.stride; // @92
  u[24] = layout.paramCount; // @96
  u[25] = acts.rows; // @100 actRows
  u[26] = scratchStride(layout); // @104
  u[27] = o.numBatches; // @108
  u[28] = o.targetWidth; // @112
  u[29] = o.labelMapWidth; // @116
  u[30] = layout.loss === "cross_entropy" ? 0 : 1; // @120
  u[31] = layout.activation === "relu" ? 0 : 1; // @124
  u[32] = o.mode; // @128
  u[33] = o.gridX; // @132
  u[34] = o.evalCount; // @136
  u[35] = o.evalStart ?? 0; // @140
  u[36] = o.evalEnd ?? o.evalCount; // @144
  return u;
}
