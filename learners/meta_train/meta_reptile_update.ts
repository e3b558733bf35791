/**
 * Wrapper of `shaders/meta_reptile_update.wgsl`, the Reptile meta-update on the GPU, and its CPU
 * twin `reptileUpdateCpu` (the specification).
 * @module
 */
import code from "../../shaders/meta_reptile_update.wgsl" with { type: "text" };
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";
import { forHealthy } from "./meta_mean.ts";

/** Shape and step of a Reptile meta-update. */
export interface ReptileUpdateOptions {
  /** Parameters updated (indices 0..count-1 of each row). */
  count: number;
  /** Models of the meta-batch. */
  models: number;
  /** Floats per row of `adapted` (the population's stride). */
  rowStride: number;
  /** Interpolation step epsilon. */
  metaLr: number;
  /** First model of the meta-batch (default 0). */
  first?: number;
  /** Index of theta[0] in the theta array (default 0). */
  thetaOffset?: number;
}

/**
 * CPU twin: theta += metaLr * (mean over the healthy models, `forHealthy`, of adapted - theta);
 * returns the number of models used (theta unchanged when 0).
 */
export function reptileUpdateCpu(
  data: { adapted: ArrayLike<number>; metrics: ArrayLike<number>; theta: Float32Array },
  o: ReptileUpdateOptions,
): number {
  const first = o.first ?? 0;
  const off = o.thetaOffset ?? 0;
  const sum = new Float64Array(o.count);
  const used = forHealthy(data.metrics, first, o.models, (m) => {
    for (let i = 0; i < o.count; i++) sum[i] = sum[i]! + data.adapted[m * o.rowStride + i]!;
  });
  if (used === 0) return 0;
  for (let i = 0; i < o.count; i++) {
    const t = data.theta[off + i]!;
    data.theta[off + i] = t + o.metaLr * (sum[i]! / used - t);
  }
  return used;
}

/** The Reptile meta-update kernel. */
export const REPTILE_UPDATE: MetaKernel = metaKernel("meta_reptile_update", code, {
  mean: true,
  read: "adapted, metrics",
  readWrite: "theta",
  params: "n, models, first, rowStride, thetaOffset, gridX, metaLr: f32",
});

/** GPU buffers of a Reptile meta-update: adapted rows, metrics with the flags, theta (updated). */
export interface ReptileUpdateBuffers {
  /** (models, rowStride) adapted parameters. */
  adapted: MetaBinding;
  /** (models, 4) metrics with the quarantine flags. */
  metrics: MetaBinding;
  /** theta, updated. */
  theta: MetaBinding;
}

/** The kernel run (bindings and packed parameters) of a Reptile meta-update. */
export function reptileUpdateRun(b: ReptileUpdateBuffers, o: ReptileUpdateOptions): MetaRun {
  const { count: n, models, rowStride, metaLr } = o;
  const params = {
    n,
    models,
    first: o.first ?? 0,
    rowStride,
    thetaOffset: o.thetaOffset ?? 0,
    metaLr,
  };
  return { n, buffers: { adapted: b.adapted, metrics: b.metrics, theta: b.theta }, params };
}
