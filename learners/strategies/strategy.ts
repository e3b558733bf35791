/**
 * The shape every black-box strategy in this folder shares (evosax style): a config that fixes
 * buffer sizes (instances S, dimension D, population N), readonly numeric params with defaults from
 * the strategy's paper, and a state. S independent instances run at once, one per segment, as the
 * GA runs one strategy per segment. All strategies minimise.
 *
 * One generation is ask (noise z and candidates x, `askCpu`), evaluate (the caller's), rank
 * (`rankWeightsCpu`: each candidate's weight from its rank in its own instance) and the strategy's
 * `tell`, which updates the state in place and returns it with a flat metrics row.
 * @module
 */
import { rngNormal } from "../../core/rng.ts";

/** What fixes buffer sizes: S instances of dimension D with N candidates each. */
export interface StrategyConfig {
  /** Independent instances (segments) S. */
  instances: number;
  /** Search-space dimension D. */
  dim: number;
  /** Candidates per instance and generation N. */
  popSize: number;
}

/** State of S instances; arrays are instance-major, `(S, D)` unless noted. */
export interface StrategyState {
  /** Generations told so far. */
  generation: number;
  /** RNG seed of the noise (stream = generation). */
  seed: number;
  /** Search-distribution means, (S, D). */
  mean: Float64Array;
  /** Per-coordinate scale the ask multiplies the (transformed) noise by, (S, D). */
  scale: Float64Array;
  /** Full-covariance transform A (S, D, D) for x = m + scale * A z; absent: x = m + scale * z. */
  transform?: Float64Array;
  /** Strategy-specific arrays (Adam moments, evolution paths, covariance...). */
  aux: Record<string, Float64Array>;
  /** Best fitness seen per instance, (S). */
  bestFitness: Float64Array;
  /** The candidate that scored `bestFitness`, (S, D). */
  bestX: Float64Array;
}

/** Noise and candidates of one generation, both (S, N, D). */
export interface AskBatch {
  /** Standard-normal noise (antithetic pairs mirrored). */
  z: Float64Array;
  /** Candidates x = m + scale * (A z or z). */
  x: Float64Array;
}

/** A strategy: its paper's defaults, how it starts, its rank weights and its update. */
export interface Strategy<P extends object = Record<string, number>> {
  /** Registry name. */
  readonly name: string;
  /** Whether candidates come in mirrored pairs (z, -z). */
  readonly antithetic: boolean;
  /** Default params for a config, from the strategy's paper. */
  defaultParams(config: StrategyConfig): P;
  /** A population size the paper recommends for dimension D. */
  defaultPopSize(dim: number): number;
  /** Fresh state: every instance starts at `init.mean` with scale `init.sigma`. */
  init(config: StrategyConfig, params: P, init: StrategyInit): StrategyState;
  /** Weight of the candidate ranked r (0 = best), length N. */
  weightTable(config: StrategyConfig, params: P): Float64Array;
  /** Updates `state` in place from one evaluated batch; returns it and a metrics row. */
  tell(
    config: StrategyConfig,
    params: P,
    state: StrategyState,
    batch: AskBatch,
    fitness: Float64Array,
  ): TellResult;
}

/** Start of every instance: a mean (one value for all coordinates, or (D) or (S, D)) and a scale. */
export interface StrategyInit {
  /** Initial mean: a number, a (D) array shared by all instances, or (S, D). */
  mean: number | ArrayLike<number>;
  /** Initial step size sigma0 (> 0). */
  sigma: number;
  /** RNG seed. */
  seed: number;
}

/** What `tell` returns: the (same, updated) state and one flat metrics row. */
export interface TellResult {
  /** The updated state. */
  state: StrategyState;
  /** Flat metrics: generation, best and mean fitness, mean scale. */
  metrics: Record<string, number>;
}

/** Checks a config: positive integer sizes, N >= 2 (and even when the strategy is antithetic). */
export function checkConfig(config: StrategyConfig, antithetic: boolean): void {
  for (const key of ["instances", "dim", "popSize"] as const) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(
        `Cannot create strategy as ${key} must be an integer >= 1: current value is ${v}`,
      );
    }
  }
  if (config.popSize < 2 || (antithetic && config.popSize % 2 !== 0)) {
    throw new RangeError(
      `Cannot create strategy as popSize must be >= 2${
        antithetic ? " and even" : ""
      }: current value is ${config.popSize}`,
    );
  }
}

/** The shared part of `init`: means, scale, best-so-far; strategies add `aux`. */
export function baseState(config: StrategyConfig, init: StrategyInit): StrategyState {
  const { instances: s, dim: d } = config;
  if (!(init.sigma > 0 && Number.isFinite(init.sigma))) {
    throw new RangeError(
      `Cannot create strategy as sigma must be > 0: current value is ${init.sigma}`,
    );
  }
  const mean = new Float64Array(s * d);
  const m = init.mean;
  for (let i = 0; i < s * d; i++) {
    if (typeof m === "number") mean[i] = m;
    else if (m.length === d) mean[i] = m[i % d]!;
    else if (m.length === s * d) mean[i] = m[i]!;
    else {
      throw new RangeError(
        `Cannot create strategy as mean must have length ${d} or ${
          s * d
        }: current value is ${m.length}`,
      );
    }
  }
  return {
    generation: 0,
    seed: init.seed >>> 0,
    mean,
    scale: new Float64Array(s * d).fill(init.sigma),
    aux: {},
    bestFitness: new Float64Array(s).fill(Infinity),
    bestX: mean.slice(),
  };
}

/**
 * CPU twin of the ask kernel. z[s,i,d] = rngNormal(seed, generation, s*N + j, d) where j = i, or for
 * antithetic strategies j = i - i%2 with z negated for odd i; x = mean + scale * (A z or z).
 */
export function askCpu(
  config: StrategyConfig,
  state: StrategyState,
  antithetic: boolean,
): AskBatch {
  const { instances: S, dim: D, popSize: N } = config;
  const z = new Float64Array(S * N * D);
  const x = new Float64Array(S * N * D);
  for (let s = 0; s < S; s++) {
    for (let i = 0; i < N; i++) {
      const j = antithetic ? i - (i % 2) : i;
      const sign = antithetic && i % 2 === 1 ? -1 : 1;
      const row = (s * N + i) * D;
      for (let d = 0; d < D; d++) {
        z[row + d] = sign * rngNormal(state.seed, state.generation, s * N + j, d);
      }
      for (let d = 0; d < D; d++) {
        let y = z[row + d]!;
        if (state.transform) {
          y = 0;
          for (let k = 0; k < D; k++) y += state.transform[(s * D + d) * D + k]! * z[row + k]!;
        }
        x[row + d] = state.mean[s * D + d]! + state.scale[s * D + d]! * y;
      }
    }
  }
  return { z, x };
}

/**
 * CPU twin of the rank kernel: w[s,i] = table[rank of candidate i in instance s], rank 0 = lowest
 * fitness; ties go to the lower index; NaN ranks as +infinity.
 */
export function rankWeightsCpu(
  config: StrategyConfig,
  fitness: Float64Array,
  table: Float64Array,
): Float64Array {
  const { instances: S, popSize: N } = config;
  const w = new Float64Array(S * N);
  const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
  for (let s = 0; s < S; s++) {
    for (let i = 0; i < N; i++) {
      const fi = key(fitness[s * N + i]!);
      let rank = 0;
      for (let j = 0; j < N; j++) {
        const fj = key(fitness[s * N + j]!);
        if (fj < fi || (fj === fi && j < i)) rank++;
      }
      w[s * N + i] = table[rank]!;
    }
  }
  return w;
}

/** Updates best-so-far and returns the shared metrics of one generation (after `generation++`). */
export function trackBest(
  config: StrategyConfig,
  state: StrategyState,
  batch: AskBatch,
  fitness: Float64Array,
): Record<string, number> {
  const { instances: S, dim: D, popSize: N } = config;
  let sumFit = 0;
  let sumBest = 0;
  for (let s = 0; s < S; s++) {
    for (let i = 0; i < N; i++) {
      const f = fitness[s * N + i]!;
      sumFit += f;
      if (f < state.bestFitness[s]!) {
        state.bestFitness[s] = f;
        for (let d = 0; d < D; d++) state.bestX[s * D + d] = batch.x[(s * N + i) * D + d]!;
      }
    }
    sumBest += state.bestFitness[s]!;
  }
  let sumScale = 0;
  for (const v of state.scale) sumScale += v;
  return {
    generation: state.generation,
    best_mean: sumBest / S,
    best_min: Math.min(...state.bestFitness),
    fitness_mean: sumFit / (S * N),
    scale_mean: sumScale / (S * D),
  };
}

/**
 * The shared tell: rank weights from `table`, the strategy's `update` with them, the generation
 * count, then best-so-far and the metrics row.
 */
export function rankedTell(
  config: StrategyConfig,
  state: StrategyState,
  batch: AskBatch,
  fitness: Float64Array,
  o: { table: Float64Array; update: (w: Float64Array) => void },
): TellResult {
  o.update(rankWeightsCpu(config, fitness, o.table));
  state.generation++;
  return { state, metrics: trackBest(config, state, batch, fitness) };
}

/** Population size of the antithetic strategies: 4 + floor(3 ln D) rounded up to even, >= 8. */
export function antitheticPopSize(dim: number): number {
  return 2 * Math.max(4, Math.ceil((4 + Math.floor(3 * Math.log(dim))) / 2));
}

/** What `defineStrategy` needs: a strategy's maths, without the shared plumbing. */
export interface StrategySpec<P extends object> {
  /** Registry name. */
  name: string;
  /** Whether candidates come in mirrored pairs. */
  antithetic: boolean;
  /** The paper's defaults. */
  defaultParams(config: StrategyConfig): P;
  /** The paper's population size for dimension D. */
  defaultPopSize(dim: number): number;
  /** Rank weight table for N candidates. */
  table(n: number): Float64Array;
  /** Strategy-specific state arrays (default none). */
  aux?(config: StrategyConfig): Record<string, Float64Array>;
  /** The update from rank weights w (S, N): the CPU twin of the strategy's tell kernel. */
  update(
    config: StrategyConfig,
    p: P,
    state: StrategyState,
    batch: AskBatch,
    w: Float64Array,
  ): void;
}

/** A `Strategy` from its maths: init, weights and tell share `baseState` and `rankedTell`. */
export function defineStrategy<P extends object>(spec: StrategySpec<P>): Strategy<P> {
  return {
    name: spec.name,
    antithetic: spec.antithetic,
    defaultParams: spec.defaultParams,
    defaultPopSize: spec.defaultPopSize,
    init(config: StrategyConfig, _p: P, init: StrategyInit): StrategyState {
      checkConfig(config, spec.antithetic);
      const st = baseState(config, init);
      st.aux = spec.aux?.(config) ?? {};
      return st;
    },
    weightTable: (config: StrategyConfig) => spec.table(config.popSize),
    tell: (config, p, state, batch, fitness) =>
      rankedTell(config, state, batch, fitness, {
        table: spec.table(config.popSize),
        update: (w) => spec.update(config, p, state, batch, w),
      }),
  };
}
