/**
 * The meta-optimizer's Adam, shared by the meta-updates: its constants and bias corrections, the
 * f32 Adam step of one element, the twin of theta_adam_step (shaders/_meta_adam.wgsl), and the
 * bindings and parameters a kernel composing that snippet declares.
 * @module
 */
import type { MetaBinding } from "./meta_kernel.ts";

/** Adam constants (beta1, beta2, eps) of every meta-update. */
export const ADAM_BETAS: readonly [number, number, number] = [0.9, 0.999, 1e-8];

/** Adam bias corrections c1 = 1 - beta1^t, c2 = 1 - beta2^t for step t (1-based). */
export function adamCorrections(t: number): { c1: number; c2: number } {
  return { c1: 1 - Math.pow(ADAM_BETAS[0], t), c2: 1 - Math.pow(ADAM_BETAS[1], t) };
}

/** One Adam step of element i (moments m at mi, v at vi), as the kernels do it; returns the new x. */
export function adamElement(
  x: number,
  g: number,
  moments: Float32Array,
  mi: number,
  vi: number,
  o: { lr: number; c1: number; c2: number },
): number {
  const [b1, b2, eps] = ADAM_BETAS;
  const gg = Number.isFinite(g) ? g : 0;
  moments[mi] = b1 * moments[mi]! + (1 - b1) * gg;
  moments[vi] = b2 * moments[vi]! + (1 - b2) * gg * gg;
  return x - o.lr * (moments[mi]! / o.c1) / (Math.sqrt(moments[vi]! / o.c2) + eps);
}

/** One Adam step of theta over `count` entries: rate, step t (1-based) and the array offsets. */
export interface ThetaAdamStep {
  /** Entries stepped. */
  count: number;
  /** Adam learning rate. */
  lr: number;
  /** Adam step t (1-based). */
  t: number;
  /** Index of theta[0] in the theta array (default 0). */
  thetaOffset?: number;
  /** Index of m[0] in the moments array (default 0). */
  momentOffset?: number;
  /** Distance from m[i] to v[i] in the moments array (default count). */
  vOffset?: number;
}

/**
 * Twin of theta_adam_step (shaders/_meta_adam.wgsl) for every i < count: g = grad(i) (non-finite
 * counts as 0), written to gOut when given, then the Adam step of theta[thetaOffset + i] with m at
 * momentOffset + i and v vOffset (default count) after it.
 */
export function thetaAdamStepsCpu(
  data: { theta: Float32Array; moments: Float32Array; gOut?: Float32Array },
  grad: (i: number) => number,
  o: ThetaAdamStep,
): void {
  const { thetaOffset: to, momentOffset: mo, vOffset: vo, c1, c2 } = thetaAdamParams(o);
  for (let i = 0; i < o.count; i++) {
    const gi = grad(i);
    const g = Number.isFinite(gi) ? gi : 0;
    if (data.gOut) data.gOut[i] = g;
    data.theta[to + i] = adamElement(data.theta[to + i]!, g, data.moments, mo + i, mo + vo + i, {
      lr: o.lr,
      c1,
      c2,
    });
  }
}

/** The Params fields `adamParams` gives values to. */
export const ADAM_PARAMS = "beta1: f32, beta2: f32, eps: f32, c1: f32, c2: f32";

/**
 * The bindings and parameters theta_adam_step (shaders/_meta_adam.wgsl) reads, for the interface
 * of a kernel that composes it (`thetaAdamParams` gives their values).
 */
export const THETA_ADAM_INTERFACE: { readWrite: string; params: string } = {
  readWrite: "theta, moments, gOut",
  params: `thetaOffset, momentOffset, vOffset, lr: f32, ${ADAM_PARAMS}`,
};

/** The names of the Adam parameters: constants and bias corrections. */
export type AdamParam = "beta1" | "beta2" | "eps" | "c1" | "c2";

/** The Adam constants and bias corrections of step t (1-based), as kernel parameters. */
export function adamParams(t: number): Record<AdamParam, number> {
  const [beta1, beta2, eps] = ADAM_BETAS;
  return { beta1, beta2, eps, ...adamCorrections(t) };
}

/** Values of the THETA_ADAM_INTERFACE parameters for Adam step t at rate lr over `count` entries. */
export function thetaAdamParams(
  o: ThetaAdamStep,
): Record<"thetaOffset" | "momentOffset" | "vOffset" | "lr" | AdamParam, number> {
  const thetaOffset = o.thetaOffset ?? 0;
  const momentOffset = o.momentOffset ?? 0;
  const vOffset = o.vOffset ?? o.count;
  return { thetaOffset, momentOffset, vOffset, lr: o.lr, ...adamParams(o.t) };
}

/** The bindings theta_adam_step (shaders/_meta_adam.wgsl) updates. */
export interface ThetaAdamBuffers {
  /** theta, updated. */
  theta: MetaBinding;
  /** Adam moments (m, then v vOffset later), updated. */
  moments: MetaBinding;
  /** (count) receives the meta-gradient used (for the log). */
  gOut: MetaBinding;
}
