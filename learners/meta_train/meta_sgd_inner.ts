/**
 * Wrapper of `shaders/meta_sgd_inner.wgsl` (one Meta-SGD inner step with per-parameter rates for
 * a meta-batch) and its CPU twin `metaSgdInnerCpu`.
 * @module
 */
import code from "../../shaders/meta_sgd_inner.wgsl" with { type: "text" };
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";

/** Shape of a Meta-SGD inner step. */
export interface MetaSgdInnerShape {
  /** Models of the meta-batch. */
  models: number;
  /** Parameters per model updated. */
  count: number;
  /** Floats per row. */
  stride: number;
}

/**
 * CPU twin: for every model p and parameter i < count whose gradient g is finite,
 * rows[p, i] -= alpha[i] * g and sumG[p, i] += g.
 */
export function metaSgdInnerCpu(
  t: { grads: ArrayLike<number>; alpha: ArrayLike<number>; rows: Float32Array; sumG: Float32Array },
  s: MetaSgdInnerShape,
): void {
  for (let p = 0; p < s.models; p++) {
    for (let i = 0; i < s.count; i++) {
      const k = p * s.stride + i;
      const g = t.grads[k]!;
      if (!Number.isFinite(g)) continue;
      t.rows[k] = t.rows[k]! - t.alpha[i]! * g;
      t.sumG[k] = t.sumG[k]! + g;
    }
  }
}

/** The Meta-SGD inner-step kernel. */
export const META_SGD_INNER: MetaKernel = metaKernel("meta_sgd_inner", code, {
  read: "grads, alpha",
  readWrite: "rows, sumG",
  params: "n, count, stride, gridX",
});

/** The kernel run of one inner step. */
export function metaSgdInnerRun(
  b: { grads: MetaBinding; alpha: MetaBinding; rows: MetaBinding; sumG: MetaBinding },
  s: MetaSgdInnerShape,
): MetaRun {
  const n = s.models * s.count;
  return { n, buffers: { ...b }, params: { n, count: s.count, stride: s.stride } };
}
