/**
 * Wrapper of `shaders/meta_fomaml_update.wgsl`, the first-order MAML meta-update (Adam on the mean
 * query gradient) on the GPU, and its CPU twin `fomamlUpdateCpu` (the specification).
 * @module
 */
import code from "../../shaders/meta_fomaml_update.wgsl" with { type: "text" };
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";
import { forHealthy } from "./meta_mean.ts";
import {
  THETA_ADAM_INTERFACE,
  type ThetaAdamBuffers,
  thetaAdamParams,
  thetaAdamStepsCpu,
} from "./meta_adam.ts";

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
 * CPU twin: g = mean over the healthy models (`forHealthy`: quarantine flag 0, finite loss and
 * gradient norm) of grads (0 when none; a non-finite mean counts as 0), then one Adam step on theta
 * with moments m, v. Returns the number of models used.
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
  read: "grads, metrics",
  readWrite: THETA_ADAM_INTERFACE.readWrite,
  params: `n, models, first, rowStride, gridX, ${THETA_ADAM_INTERFACE.params}`,
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
  const { grads, metrics, theta, moments, gOut } = b;
  return {
    n: o.count,
    buffers: { grads, metrics, theta, moments, gOut },
    params: {
      n: o.count,
      models: o.models,
      first: o.first ?? 0,
      rowStride: o.rowStride,
      ...thetaAdamParams(o),
    },
  };
}
