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
  adamElement,
  dispatchMetaKernel,
  diverged,
} from "./_meta_kernel.ts";

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
  },
  o: FomamlUpdateOptions,
): number {
  const first = o.first ?? 0;
  const sum = new Float64Array(o.count);
  let used = 0;
  for (let p = 0; p < o.models; p++) {
    const m = first + p;
    if (diverged(data.metrics, m)) continue;
    used++;
    for (let i = 0; i < o.count; i++) sum[i] = sum[i]! + data.grads[m * o.rowStride + i]!;
  }
  const { c1, c2 } = adamCorrections(o.t);
  const to = o.thetaOffset ?? 0;
  const mo = o.momentOffset ?? 0;
  const vo = o.vOffset ?? o.count;
  for (let i = 0; i < o.count; i++) {
    const g = used > 0 ? sum[i]! / used : 0;
    data.theta[to + i] = adamElement(data.theta[to + i]!, g, data.moments, mo + i, mo + vo + i, {
      lr: o.lr,
      c1,
      c2,
    });
  }
  return used;
}

/** Encodes and submits the FOMAML meta-update kernel on GPU buffers; no readback. */
export function fomamlUpdateGpu(
  ctx: GpuContext,
  buffers: {
    grads: GPUBuffer | GPUBufferBinding;
    metrics: GPUBuffer;
    theta: GPUBuffer;
    moments: GPUBuffer;
  },
  o: FomamlUpdateOptions,
): Promise<void> {
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
  return dispatchMetaKernel(ctx, {
    key: "meta_fomaml_update",
    file: "shaders/meta_fomaml_update.wgsl",
    code,
  }, {
    n: o.count,
    buffers: [buffers.grads, buffers.metrics, buffers.theta, buffers.moments],
    uniform: u,
    gridXWord: 7,
  });
}
