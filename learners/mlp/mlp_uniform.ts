/**
 * The `MlpParams` uniform shared by train_step and evaluate (declared in shaders/_mlp.wgsl), and
 * the shared WGSL parts those kernels are composed from.
 * @module
 */
import mlpWgsl from "../../shaders/_mlp.wgsl" with { type: "text" };
import {
  type ComposedWgsl,
  composeWgsl,
  getPipeline,
  getPipelineSync,
  type WgslPart,
} from "../../core/pipelines.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import type { MlpLayout } from "./mlp_layout.ts";
import type { InputPrecision } from "../backend.ts";
import { type TilePlan, tilePlanKey } from "./mlp_tiles.ts";

/** The shared MLP snippet. */
export const MLP_WGSL: WgslPart = { file: "shaders/_mlp.wgsl", code: mlpWgsl };

/** How the invocations of an MLP workgroup are shared: MPG models with ROLES invocations each. */
export interface MlpGrouping {
  /** Models per workgroup. */
  modelsPerGroup: number;
  /** Invocations per model. */
  roles: number;
}

function checkPow2(name: string, v: number): void {
  if (!Number.isInteger(Math.log2(v)) || v < 1 || v > 256) {
    throw new RangeError(
      `Invalid ${name}: must be a power of two in [1, 256]: current value is ${v}`,
    );
  }
}

/** The compile-time constants MPG, ROLES and WG = MPG * ROLES as a WGSL part. */
export function mlpWorkgroupWgsl(g: MlpGrouping): WgslPart {
  checkPow2("modelsPerGroup", g.modelsPerGroup);
  checkPow2("roles", g.roles);
  if (g.modelsPerGroup * g.roles > 256) {
    throw new RangeError(
      `Invalid grouping: modelsPerGroup*roles must be <= 256: current value is ${
        g.modelsPerGroup * g.roles
      }`,
    );
  }
  return {
    file: "<generated: workgroup grouping>",
    code:
      `const MPG: u32 = ${g.modelsPerGroup}u;\nconst ROLES: u32 = ${g.roles}u;\nconst WG: u32 = MPG * ROLES;\n`,
  };
}

/**
 * The element type InputT of the data-set inputs `x` as the first WGSL part of an MLP kernel:
 * f32, or f16 (with `enable f16;`, which must open the module).
 */
export function inputPrecisionWgsl(p: InputPrecision): WgslPart {
  return {
    file: "<generated: input precision>",
    code: p === "f16" ? "enable f16;\nalias InputT = f16;\n" : "alias InputT = f32;\n",
  };
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

/** The pipelines of an MLP kernel per grouping, input precision and tile plan, built on first use. */
export interface MlpKernel {
  /** Builds (once per key) the pipeline, reporting WGSL compile errors. */
  pipeline(
    ctx: GpuContext,
    g: MlpGrouping,
    plan: TilePlan,
    p?: InputPrecision,
  ): Promise<GPUComputePipeline>;
  /** The pipeline for another key, without waiting for the compiler. */
  pipelineSync(
    ctx: GpuContext,
    g: MlpGrouping,
    plan: TilePlan,
    p?: InputPrecision,
  ): GPUComputePipeline;
}

/**
 * An MLP kernel named `name` composed of the input-precision and grouping constants, the `shared`
 * parts, the tile code that `tiles` generates for a plan (learners/mlp/mlp_tiles_wgsl.ts) and its own file;
 * its pipelines are cached per grouping, precision and plan.
 */
export function mlpKernel(
  name: string,
  shared: WgslPart[],
  tiles: (plan: TilePlan) => WgslPart[],
  own: WgslPart,
): MlpKernel {
  // Composed sources per key: populations look their pipelines up on every train call, and the
  // composition (string building, line maps) should happen once, not on each lookup.
  const sources = new Map<string, ComposedWgsl>();
  const lookup = (g: MlpGrouping, plan: TilePlan, p: InputPrecision): [string, ComposedWgsl] => {
    const key = `${name}_${g.modelsPerGroup}x${g.roles}${p === "f16" ? "_f16" : ""}_${
      tilePlanKey(plan)
    }`;
    let src = sources.get(key);
    if (!src) {
      src = composeWgsl([
        inputPrecisionWgsl(p),
        mlpWorkgroupWgsl(g),
        ...shared,
        ...tiles(plan),
        own,
      ]);
      sources.set(key, src);
    }
    return [key, src];
  };
  return {
    pipeline: (ctx, g, plan, p = "f32") => getPipeline(ctx, ...lookup(g, plan, p)),
    pipelineSync: (ctx, g, plan, p = "f32") => getPipelineSync(ctx, ...lookup(g, plan, p)),
  };
}
