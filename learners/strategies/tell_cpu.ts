/**
 * The per-coordinate loop of the CPU twins of the OpenAI-ES, SNES and PGPE tells, twin of
 * shaders/_es_tell.wgsl: one visit per (instance s, coordinate d) in kernel index order
 * k = s * D + d, with the reads of candidate i of instance s.
 * @module
 */
import type { StrategyConfig } from "./strategy.ts";

/** One coordinate's visit: its index k = s * D + d and the reads z[s, i, d] and w[s, i]. */
export interface TellCoordinate {
  /** Index of (s, d) in the (S, D) mean and scale arrays. */
  k: number;
  /** The noise z[s, i, d] of candidate i. */
  z(i: number): number;
  /** The rank weight w[s, i] of candidate i. */
  w(i: number): number;
}

/** Calls `visit` for every (instance, coordinate) of (S, N, D) noise `z` and (S, N) weights `w`. */
export function forEachTellCoordinate(
  config: StrategyConfig,
  z: Float64Array,
  w: Float64Array,
  visit: (c: TellCoordinate) => void,
): void {
  const { instances: S, dim: D, popSize: N } = config;
  for (let s = 0; s < S; s++) {
    for (let d = 0; d < D; d++) {
      visit({ k: s * D + d, z: (i) => z[(s * N + i) * D + d]!, w: (i) => w[s * N + i]! });
    }
  }
}
