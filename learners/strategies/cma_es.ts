/**
 * CMA-ES: Hansen and Ostermeier (2001), "Completely derandomized self-adaptation in evolution
 * strategies", Evolutionary Computation 9(2); update and defaults as in Hansen (2016), "The CMA
 * evolution strategy: a tutorial", arXiv:1604.00772, table 1 (positive weights only). Full
 * covariance up to D = 256 with a lazy eigendecomposition (every lambda / (c1 + cmu) / D / 10
 * generations, as the tutorial's code does); above 256, sep-CMA-ES: Ros and Hansen (2008), "A
 * simple modification in CMA-ES achieving linear time and space complexity", PPSN X (diagonal
 * covariance, c1 and cmu times (D + 2) / 3).
 * @module
 */
import { cmaWeightTable, effectiveMass } from "./fitness_shaping.ts";
import { symmetricEigen } from "./_eigen.ts";
import {
  type AskBatch,
  baseState,
  checkConfig,
  rankedTell,
  type Strategy,
  type StrategyConfig,
  type StrategyInit,
  type StrategyState,
  type TellResult,
} from "./strategy.ts";
import { cmaCoreUpdateCpu } from "./cma_update.ts";

/** Largest D with a full covariance; above it CMA-ES runs separable. */
export const CMA_FULL_MAX_DIM = 256;

/** CMA-ES params (Hansen 2016, table 1). */
export interface CmaEsParams {
  /** Variance-effective selection mass of the weights. */
  mueff: number;
  /** Step-size path learning rate c_sigma. */
  cs: number;
  /** Step-size damping d_sigma. */
  ds: number;
  /** Covariance path learning rate c_c. */
  cc: number;
  /** Rank-one learning rate c_1. */
  c1: number;
  /** Rank-mu learning rate c_mu. */
  cmu: number;
  /** 1 = diagonal covariance (sep-CMA-ES), 0 = full. */
  separable: number;
}

/** The tutorial's defaults for (D, N); sep-CMA-ES's when D > 256. */
export function defaultCmaEsParams(config: StrategyConfig): CmaEsParams {
  const n = config.dim;
  const mueff = effectiveMass(cmaWeightTable(config.popSize));
  const cs = (mueff + 2) / (n + mueff + 5);
  const ds = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
  const cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n);
  let c1 = 2 / ((n + 1.3) ** 2 + mueff);
  let cmu = Math.min(1 - c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) ** 2 + mueff));
  const separable = n > CMA_FULL_MAX_DIM ? 1 : 0;
  if (separable) {
    c1 = Math.min(1, c1 * (n + 2) / 3);
    cmu = Math.min(1 - c1, cmu * (n + 2) / 3);
  }
  return { mueff, cs, ds, cc, c1, cmu, separable };
}

/** Sets the ask's transform and scale from C: full A = B diag(sqrt(eig)), sep scale = sigma sqrt(C_dd). */
export function cmaDecompose(config: StrategyConfig, p: CmaEsParams, state: StrategyState): void {
  const { instances: S, dim: D } = config;
  const { C, B, sigma } = state.aux as Record<string, Float64Array>;
  for (let s = 0; s < S; s++) {
    if (p.separable) {
      for (let d = 0; d < D; d++) {
        state.scale[s * D + d] = sigma![s]! * Math.sqrt(Math.max(0, C![s * D + d]!));
      }
      continue;
    }
    const block = C!.subarray(s * D * D, (s + 1) * D * D);
    const { values, vectors } = symmetricEigen(block, D);
    for (let i = 0; i < D; i++) {
      const sq = Math.sqrt(Math.max(values[i]!, 1e-300));
      for (let j = 0; j < D; j++) {
        B![(s * D + j) * D + i] = vectors[j * D + i]!;
        state.transform![(s * D + j) * D + i] = vectors[j * D + i]! * sq;
      }
    }
    for (let d = 0; d < D; d++) state.scale[s * D + d] = sigma![s]!;
  }
}

/** Generations between eigendecompositions: max(1, floor(N / (c1 + cmu) / D / 10)). */
export function cmaEigenGap(config: StrategyConfig, p: CmaEsParams): number {
  return Math.max(1, Math.floor(config.popSize / (p.c1 + p.cmu) / config.dim / 10));
}

/** CMA-ES (sep-CMA-ES above D = 256) as a `Strategy`. */
export const CMA_ES: Strategy<CmaEsParams> = {
  name: "cma-es",
  antithetic: false,
  defaultParams: defaultCmaEsParams,
  defaultPopSize: (dim: number) => 4 + Math.floor(3 * Math.log(dim)),
  init(config: StrategyConfig, p: CmaEsParams, init: StrategyInit): StrategyState {
    checkConfig(config, false);
    const st = baseState(config, init);
    const { instances: S, dim: D } = config;
    const full = !p.separable;
    const C = new Float64Array(full ? S * D * D : S * D);
    for (let s = 0; s < S; s++) {
      for (let d = 0; d < D; d++) C[full ? (s * D + d) * D + d : s * D + d] = 1;
    }
    st.aux = {
      C,
      ps: new Float64Array(S * D),
      pc: new Float64Array(S * D),
      sigma: new Float64Array(S).fill(init.sigma),
    };
    if (full) {
      st.aux.B = new Float64Array(S * D * D);
      st.transform = new Float64Array(S * D * D);
    }
    cmaDecompose(config, p, st);
    return st;
  },
  weightTable: (config: StrategyConfig) => cmaWeightTable(config.popSize),
  tell(
    config: StrategyConfig,
    p: CmaEsParams,
    state: StrategyState,
    batch: AskBatch,
    fitness: Float64Array,
  ): TellResult {
    const out = rankedTell(config, state, batch, fitness, {
      table: cmaWeightTable(config.popSize),
      update: (w) => cmaCoreUpdateCpu(config, p, state, batch, w),
    });
    if (!p.separable && state.generation % cmaEigenGap(config, p) === 0) {
      cmaDecompose(config, p, state);
    }
    return out;
  },
};
