/**
 * Wrapper of `shaders/meta_fomaml_update.wgsl`, the first-order MAML meta-update (Adam on the mean
 * query gradient) on the GPU, and its CPU twin `fomamlUpdateCpu` (the specification).
 * @module
 */
import code from "../../shaders/meta_fomaml_update.wgsl" with { type: "text" };
import type { GpuContext } from "../../core/gpu_context.ts";
import {
  ADAM_BETAS,
  adamCorrections,
  dispatchMetaKernel,
  forHealthy,
  type MetaBinding,
  type MetaKernel,
  metaKernel,
  type MetaRun,
  type ThetaAdamBuffers,
  thetaAdamStepsCpu,
} from "./meta_kernel.ts";

/** Shape and step of a FOMAML meta-update. */
export interface FomamlUpdateOptions {
  /** Parameters updated (indices 0..count-1 of each row). */
  count: number;
  /** Models of the meta-batch. */
  models: number;
  /** Floats per row of `grads`. */
  rowStride: number;
  /** Adam learning rate. */
  lr: number;
  /** Adam step t (1-based) of this update. */
  t: number;
  /** First model of the meta-batch (default 0). */
  first?: number;
  /** Index of theta[0] in the theta array (default 0). */
  thetaOffset?: number;
  /** Index of m[0] in the moments array (default 0). */
  momentOffset?: number;
  /** Distance from m[i] to v[i] in the moments array (default count). */
  vOffset?: number;
}

/**
 * CPU twin: g = mean over models not quarantined of grads (0 when none; a non-finite mean counts
 * as 0), then one Adam step on theta with moments m, v. Returns the number of models used.
 */
export function fomamlUpdateCpu(
  data: {
    grads: ArrayLike<number>;
    metrics: ArrayLike<number>;
    theta: Float32Array;
    moments: Float32Array;
    /** When given, receives the mean gradient g used (what the kernel writes to gOut). */
    gOut?: Float32Array;
  },
  o: FomamlUpdateOptions,
): number {
  const first = o.first ?? 0;
  const sum = new Float64Array(o.count);
  const used = forHealthy(data.metrics, first, o.models, (m) => {
    for (let i = 0; i < o.count; i++) sum[i] = sum[i]! + data.grads[m * o.rowStride + i]!;
  });
  thetaAdamStepsCpu(data, (i) => used > 0 ? sum[i]! / used : 0, o);
  return used;
}

/** The FOMAML meta-update kernel. */
export const FOMAML_UPDATE: MetaKernel = metaKernel("meta_fomaml_update", code, {
  mean: true,
  thetaAdam: true,
});

/** GPU buffers of a FOMAML meta-update. */
export interface FomamlUpdateBuffers extends ThetaAdamBuffers {
  /** (models, rowStride) gradients. */
  grads: MetaBinding;
  /** (models, 4) metrics with the quarantine flags. */
  metrics: MetaBinding;
}

/** The kernel run (bindings and packed parameters) of a FOMAML meta-update. */
export function fomamlUpdateRun(b: FomamlUpdateBuffers, o: FomamlUpdateOptions): MetaRun {
  const { c1, c2 } = adamCorrections(o.t);
  // Params: n @0, models @4, first @8, rowStride @12, thetaOffset @16, momentOffset @20,
  // vOffset @24, gridX @28, lr @32, beta1 @36, beta2 @40, eps @44, c1 @48, c2 @52.
  const u = new ArrayBuffer(64);
  new Uint32Array(u, 0, 8).set([
    o.count,
    o.models,
    o.first ?? 0,
    o.rowStride,
    o.thetaOffset ?? 0,
    o.momentOffset ?? 0,
    o.vOffset ?? o.count,
  ]);
  new Float32Array(u, 32, 6).set([o.lr, ...ADAM_BETAS, c1, c2]);
  return {
    n: o.count,
    buffers: [b.grads, b.metrics, b.theta, b.moments, b.gOut],
    uniform: u,
    gridXWord: 7,
  };
}

/** Encodes and submits the FOMAML meta-update kernel on GPU buffers; no readback. */
export function fomamlUpdateGpu(
  ctx: GpuContext,
  buffers: FomamlUpdateBuffers,
  o: FomamlUpdateOptions,
): Promise<void> {
  return dispatchMetaKernel(ctx, FOMAML_UPDATE, fomamlUpdateRun(buffers, o));
}
