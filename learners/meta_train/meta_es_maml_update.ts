/**
 * Wrapper of `shaders/meta_es_maml_update.wgsl`, the antithetic ES-MAML meta-update (ES gradient,
 * then Adam) on the GPU, and its CPU twin `esMamlUpdateCpu` (the specification).
 * @module
 */
import code from "../../shaders/meta_es_maml_update.wgsl" with { type: "text" };
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";
import {
  THETA_ADAM_INTERFACE,
  type ThetaAdamBuffers,
  thetaAdamParams,
  thetaAdamStepsCpu,
} from "./meta_adam.ts";

/** Shape and step of an ES-MAML meta-update. */
export interface EsMamlUpdateOptions {
  /** Parameters updated (the row length of `noise`). */
  count: number;
  /** Antithetic pairs n (losses has 2n entries). */
  pairs: number;
  /** Perturbation scale sigma. */
  sigma: number;
  /** Adam learning rate. */
  lr: number;
  /** Adam step t (1-based) of this update. */
  t: number;
}

/**
 * Antithetic ES gradient: losses (2n) of models (2j: +eps_j, 2j+1: -eps_j), noise (n, count);
 * a non-finite loss is replaced by the largest finite loss of the population (0 when none).
 */
export function esGradient(
  losses: ArrayLike<number>,
  noise: ArrayLike<number>,
  count: number,
  sigma: number,
): Float64Array {
  const n = losses.length / 2;
  let worst = -Infinity;
  for (let i = 0; i < losses.length; i++) {
    if (Number.isFinite(losses[i]!)) worst = Math.max(worst, losses[i]!);
  }
  const fix = (l: number): number => (Number.isFinite(l) ? l : Number.isFinite(worst) ? worst : 0);
  const g = new Float64Array(count);
  for (let j = 0; j < n; j++) {
    const d = (fix(losses[2 * j]!) - fix(losses[2 * j + 1]!)) / (2 * n * sigma);
    for (let i = 0; i < count; i++) g[i] = g[i]! + d * noise[j * count + i]!;
  }
  return g;
}

/** CPU twin: g = esGradient(losses, noise), then one Adam step on theta (moments (2, count)). */
export function esMamlUpdateCpu(
  data: {
    losses: ArrayLike<number>;
    noise: ArrayLike<number>;
    theta: Float32Array;
    moments: Float32Array;
  },
  o: EsMamlUpdateOptions,
): Float64Array {
  const g = esGradient(data.losses, data.noise, o.count, o.sigma).map((x) =>
    Number.isFinite(x) ? x : 0
  );
  thetaAdamStepsCpu(data, (i) => g[i]!, o);
  return g;
}

/** flagOffset of a plain loss array (no quarantine flags). */
const NO_FLAG = 0xffffffff;

/** The ES-MAML meta-update kernel. */
export const ES_MAML_UPDATE: MetaKernel = metaKernel("meta_es_maml_update", code, {
  thetaAdam: true,
  read: "losses, noise",
  readWrite: THETA_ADAM_INTERFACE.readWrite,
  params:
    `n, pairs, gridX, sigma: f32, lossStride, lossOffset, flagOffset, ${THETA_ADAM_INTERFACE.params}`,
});

/** GPU buffers of an ES-MAML meta-update. */
export interface EsMamlUpdateBuffers extends ThetaAdamBuffers {
  /** The 2n losses, entry k at k * lossStride + lossOffset (a metrics table, or a plain array). */
  losses: MetaBinding;
  /** (n, count) noise. */
  noise: MetaBinding;
}

/**
 * The kernel run of an ES-MAML meta-update; losses strided as `loss` says (default 1, 0), with
 * `loss.flag` the offset of each row's quarantine flag (a metrics table: a quarantined model's loss
 * counts as non-finite; none by default).
 */
export function esMamlUpdateRun(
  b: EsMamlUpdateBuffers,
  o: EsMamlUpdateOptions,
  loss: { stride: number; offset: number; flag?: number } = { stride: 1, offset: 0 },
): MetaRun {
  const { losses, noise, theta, moments, gOut } = b;
  const params = { n: o.count, pairs: o.pairs, sigma: o.sigma, lossStride: loss.stride };
  return {
    n: o.count,
    buffers: { losses, noise, theta, moments, gOut },
    params: {
      ...params,
      lossOffset: loss.offset,
      flagOffset: loss.flag ?? NO_FLAG,
      ...thetaAdamParams({ count: o.count, lr: o.lr, t: o.t }),
    },
  };
}
