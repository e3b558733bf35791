/**
 * PGPE, policy gradients with parameter-based exploration: Sehnke, Osendorfer, Rueckstiess, Graves,
 * Peters and Schmidhuber (2010), "Parameter-exploring policy gradients", Neural Networks 23(4).
 * Symmetric sampling (pairs m + eps, m - eps), per-coordinate sigma, the paper's step sizes
 * (alpha_mu = 0.2, alpha_sigma = 0.1). Rewards are shaped by centred ranks (as evosax and EvoTorch
 * do, in place of the paper's max-reward normalisation), and a sigma change is clipped to 20% of
 * sigma per generation (EvoTorch's stdev_max_change).
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

/** PGPE params. */
export interface PgpeParams {
  /** Mean step size alpha_mu (0.2). */
  lrMean: number;
  /** Sigma step size alpha_sigma (0.1). */
  lrSigma: number;
  /** Largest relative sigma change per generation (0.2). */
  maxSigmaChange: number;
}

/** The paper's defaults. */
export function defaultPgpeParams(_config?: StrategyConfig): PgpeParams {
  return { lrMean: 0.2, lrSigma: 0.1, maxSigmaChange: 0.2 };
}

/**
 * CPU twin of the PGPE tell kernel, per (s, d), over pairs q (candidates 2q = m + eps, 2q+1 =
 * m - eps, eps = scale * z): gm = sum_q (w+ - w-) / 2 * eps; gs = sum_q (w+ + w-) / 2 *
 * (eps^2 - scale^2) / scale; mean += lrMean * gm; scale += clip(lrSigma * gs, +-maxSigmaChange *
 * scale).
 */
export function pgpeUpdateCpu(
  config: StrategyConfig,
  p: PgpeParams,
  state: StrategyState,
  z: Float64Array,
  w: Float64Array,
): void {
  const N = config.popSize;
  forEachTellCoordinate(config, z, w, ({ k, z, w }) => {
    const sc = state.scale[k]!;
    let gm = 0;
    let gs = 0;
    for (let q = 0; 2 * q + 1 < N; q++) {
      const eps = sc * z(2 * q);
      const wp = w(2 * q);
      const wn = w(2 * q + 1);
      gm += 0.5 * (wp - wn) * eps;
      gs += 0.5 * (wp + wn) * (eps * eps - sc * sc) / sc;
    }
    const lim = p.maxSigmaChange * sc;
    state.mean[k] = state.mean[k]! + p.lrMean * gm;
    state.scale[k] = sc + Math.min(lim, Math.max(-lim, p.lrSigma * gs));
  });
}

/** PGPE as a `Strategy`. */
export const PGPE: Strategy<PgpeParams> = defineStrategy({
  name: "pgpe",
  antithetic: true,
  defaultParams: defaultPgpeParams,
  defaultPopSize: antitheticPopSize,
  table: centredRankTable,
  update: (config, p, state, batch, w) => pgpeUpdateCpu(config, p, state, batch.z, w),
});
