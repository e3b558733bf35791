/**
 * SNES, separable natural evolution strategies: Schaul, Glasmachers and Schmidhuber (2011), "High
 * dimensions and heavy tails for natural evolution strategies", GECCO; defaults from Wierstra et
 * al. (2014), "Natural evolution strategies", JMLR 15, table 1: N = 4 + floor(3 ln D), mean
 * learning rate 1, sigma learning rate (3 + ln D) / (5 sqrt D), NES utilities.
 * @module
 */
import { nesUtilityTable } from "./fitness_shaping.ts";
import {
  defineStrategy,
  type Strategy,
  type StrategyConfig,
  type StrategyState,
} from "./strategy.ts";
import { forEachTellCoordinate } from "./tell_cpu.ts";

/** SNES params. */
export interface SnesParams {
  /** Mean learning rate (1). */
  lrMean: number;
  /** Sigma learning rate ((3 + ln D) / (5 sqrt D)). */
  lrSigma: number;
}

/** The paper's defaults for dimension `config.dim`. */
export function defaultSnesParams(config: StrategyConfig): SnesParams {
  const d = config.dim;
  return { lrMean: 1, lrSigma: (3 + Math.log(d)) / (5 * Math.sqrt(d)) };
}

/**
 * CPU twin of the SNES tell kernel, per (s, d): gm = sum_i w_i z_id, gs = sum_i w_i (z_id^2 - 1);
 * mean += lrMean * scale * gm; scale *= exp(lrSigma / 2 * gs).
 */
export function snesUpdateCpu(
  config: StrategyConfig,
  p: SnesParams,
  state: StrategyState,
  z: Float64Array,
  w: Float64Array,
): void {
  const N = config.popSize;
  forEachTellCoordinate(config, z, w, ({ k, z, w }) => {
    let gm = 0;
    let gs = 0;
    for (let i = 0; i < N; i++) {
      const zi = z(i);
      gm += w(i) * zi;
      gs += w(i) * (zi * zi - 1);
    }
    state.mean[k] = state.mean[k]! + p.lrMean * state.scale[k]! * gm;
    state.scale[k] = state.scale[k]! * Math.exp(0.5 * p.lrSigma * gs);
  });
}

/** SNES as a `Strategy`. */
export const SNES: Strategy<SnesParams> = defineStrategy({
  name: "snes",
  antithetic: false,
  defaultParams: defaultSnesParams,
  defaultPopSize: (dim: number) => 4 + Math.floor(3 * Math.log(dim)),
  table: nesUtilityTable,
  update: (config, p, state, batch, w) => snesUpdateCpu(config, p, state, batch.z, w),
});
