/**
 * OpenAI-ES: Salimans, Ho, Chen, Sidor and Sutskever (2017), "Evolution strategies as a scalable
 * alternative to reinforcement learning", arXiv:1703.03864. Antithetic (mirrored) sampling,
 * centred-rank fitness shaping, the gradient estimate g = sum_i u_i z_i / (N sigma) and an Adam
 * step on the mean. Defaults are the paper's (Adam step size 0.01, betas 0.9 / 0.999); the paper
 * keeps sigma fixed, so `sigmaDecay` and `lrDecay` default to 1 (evosax exposes the same decays;
 * with a fixed sigma the precision reachable is bounded by sigma). Isotropic sampling makes its cost
 * grow with the conditioning: on the 1e6-conditioned ellipsoid at D = 10 it reaches 1e-8 only with
 * sigma decaying faster than the step, in about 5e5 x D evaluations (README, "The evolve experiment").
 * @module
 */
import { centredRankTable } from "./fitness_shaping.ts";
import {
  antitheticPopSize,
  defineStrategy,
  type Strategy,
  type StrategyConfig,
  type StrategyState,
} from "./strategy.ts";
import { forEachTellCoordinate } from "./tell_cpu.ts";

/** OpenAI-ES params. */
export interface OpenAiEsParams {
  /** Adam step size (paper: 0.01). */
  lr: number;
  /** Adam first-moment decay (0.9). */
  beta1: number;
  /** Adam second-moment decay (0.999). */
  beta2: number;
  /** Adam epsilon (1e-8). */
  eps: number;
  /** Sigma multiplier per generation (1 = the paper's fixed sigma). */
  sigmaDecay: number;
  /** Sigma never decays below this. */
  sigmaLimit: number;
  /** Step-size multiplier per generation (1 = fixed). */
  lrDecay: number;
  /** Step size never decays below this. */
  lrLimit: number;
}

/** The paper's defaults. */
export function defaultOpenAiEsParams(_config?: StrategyConfig): OpenAiEsParams {
  return {
    lr: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    sigmaDecay: 1,
    sigmaLimit: 0,
    lrDecay: 1,
    lrLimit: 0,
  };
}

/**
 * CPU twin of the OpenAI-ES tell kernel, per (s, d): g = sum_i w_i z_id / (N scale_sd); Adam
 * moments; mean += lr_t * mhat / (sqrt(vhat) + eps) with lr_t = max(lr * lrDecay^t, lrLimit) and
 * t = generation; then scale = max(scale * sigmaDecay, sigmaLimit).
 */
export function openAiEsUpdateCpu(
  config: StrategyConfig,
  p: OpenAiEsParams,
  state: StrategyState,
  z: Float64Array,
  w: Float64Array,
): void {
  const N = config.popSize;
  const t = state.generation + 1;
  const lr = Math.max(p.lr * p.lrDecay ** state.generation, p.lrLimit);
  const m = state.aux.adamM!;
  const v = state.aux.adamV!;
  forEachTellCoordinate(config, z, w, ({ k, z, w }) => {
    let g = 0;
    for (let i = 0; i < N; i++) g += w(i) * z(i);
    g /= N * state.scale[k]!;
    m[k] = p.beta1 * m[k]! + (1 - p.beta1) * g;
    v[k] = p.beta2 * v[k]! + (1 - p.beta2) * g * g;
    const mh = m[k]! / (1 - p.beta1 ** t);
    const vh = v[k]! / (1 - p.beta2 ** t);
    state.mean[k] = state.mean[k]! + lr * mh / (Math.sqrt(vh) + p.eps);
    state.scale[k] = Math.max(state.scale[k]! * p.sigmaDecay, p.sigmaLimit);
  });
}

/** OpenAI-ES as a `Strategy`. */
export const OPENAI_ES: Strategy<OpenAiEsParams> = defineStrategy({
  name: "openai-es",
  antithetic: true,
  defaultParams: defaultOpenAiEsParams,
  defaultPopSize: antitheticPopSize,
  table: centredRankTable,
  aux: (config) => ({
    adamM: new Float64Array(config.instances * config.dim),
    adamV: new Float64Array(config.instances * config.dim),
  }),
  update: (config, p, state, batch, w) => openAiEsUpdateCpu(config, p, state, batch.z, w),
});
