/**
 * Wrapper of `shaders/meta_sgd_update.wgsl`, the first-order Meta-SGD meta-update (Adam on theta
 * and on the per-parameter inner rates alpha) on the GPU, and its CPU twin `metaSgdUpdateCpu`.
 * @module
 */
import code from "../../shaders/meta_sgd_update.wgsl" with { type: "text" };
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";
import { forHealthy } from "./meta_mean.ts";
import { ADAM_PARAMS, adamCorrections, adamElement, adamParams } from "./meta_adam.ts";

/** Shape and step of a Meta-SGD meta-update. */
export interface MetaSgdUpdateOptions {
  /** Parameters updated (indices 0..count-1 of each row). */
  count: number;
  /** Models of the meta-batch. */
  models: number;
  /** Floats per row of the gradient tables. */
  rowStride: number;
  /** Adam learning rate of theta. */
  lr: number;
  /** Adam learning rate of alpha. */
  alphaLr: number;
  /** Upper clamp of alpha. */
  alphaMax: number;
  /** Adam step t (1-based) of this update. */
  t: number;
}

/**
 * CPU twin: g_theta = mean of queryGrads, g_alpha = mean of -queryGrads * supportGradSums over the
 * healthy models (`forHealthy`: quarantine flag 0, finite loss and gradient norm); Adam on theta and alpha (moments (4, count): m_theta, v_theta, m_alpha,
 * v_alpha); alpha clamped to [0, alphaMax]. Returns g_theta.
 */
export function metaSgdUpdateCpu(
  data: {
    queryGrads: ArrayLike<number>;
    supportGradSums: ArrayLike<number>;
    metrics: ArrayLike<number>;
    theta: Float32Array;
    alpha: Float32Array;
    moments: Float32Array;
  },
  o: MetaSgdUpdateOptions,
): Float64Array {
  const n = o.count;
  const sumT = new Float64Array(n);
  const sumA = new Float64Array(n);
  const used = forHealthy(data.metrics, 0, o.models, (p) => {
    for (let i = 0; i < n; i++) {
      const q = data.queryGrads[p * o.rowStride + i]!;
      sumT[i] = sumT[i]! + q;
      sumA[i] = sumA[i]! - q * data.supportGradSums[p * o.rowStride + i]!;
    }
  });
  const { c1, c2 } = adamCorrections(o.t);
  const gT = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const mean = used > 0 ? sumT[i]! / used : 0;
    gT[i] = Number.isFinite(mean) ? mean : 0;
    const gA = used > 0 ? sumA[i]! / used : 0;
    data.theta[i] = adamElement(data.theta[i]!, gT[i]!, data.moments, i, n + i, {
      lr: o.lr,
      c1,
      c2,
    });
    const a = adamElement(data.alpha[i]!, gA, data.moments, 2 * n + i, 3 * n + i, {
      lr: o.alphaLr,
      c1,
      c2,
    });
    data.alpha[i] = Math.min(o.alphaMax, Math.max(0, a));
  }
  return gT;
}

/** The Meta-SGD meta-update kernel. */
export const META_SGD_UPDATE: MetaKernel = metaKernel("meta_sgd_update", code, {
  mean: true,
  read: "queryGrads, supportGradSums, metrics",
  readWrite: "theta, alpha, moments, gOut",
  params: `n, models, rowStride, gridX, lr: f32, alphaLr: f32, alphaMax: f32, ${ADAM_PARAMS}`,
});

/** GPU buffers of a Meta-SGD meta-update. */
export interface MetaSgdUpdateBuffers {
  /** (models, rowStride) query gradients. */
  queryGrads: MetaBinding;
  /** (models, rowStride) sums of the support gradients of the inner steps. */
  supportGradSums: MetaBinding;
  /** (models, METRIC_STRIDE) metrics with the quarantine flags. */
  metrics: MetaBinding;
  /** theta, updated. */
  theta: MetaBinding;
  /** Per-parameter inner rates, updated. */
  alpha: MetaBinding;
  /** (4, count) Adam moments, updated. */
  moments: MetaBinding;
  /** (count) receives g_theta, the mean query gradient used. */
  gOut: MetaBinding;
}

/** The kernel run (bindings and packed parameters) of a Meta-SGD meta-update. */
export function metaSgdUpdateRun(b: MetaSgdUpdateBuffers, o: MetaSgdUpdateOptions): MetaRun {
  const { count: n, models, rowStride, lr, alphaLr, alphaMax } = o;
  return {
    n,
    buffers: { ...b },
    params: { n, models, rowStride, lr, alphaLr, alphaMax, ...adamParams(o.t) },
  };
}
