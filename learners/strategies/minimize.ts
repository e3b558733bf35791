/**
 * Minimise a black-box function with one registered strategy on the CPU twins: the library entry
 * points (`minimize`, `cmaEs`, `openAiEs`, `snes`, `pgpe`).
 * @module
 */
import { getStrategy } from "./registry.ts";
import { askCpu, type StrategyConfig } from "./strategy.ts";

/** A batch objective: values of n points stored row-major (n, dim); lower is better. */
export type BatchObjective = (xs: Float64Array, n: number, dim: number) => ArrayLike<number>;

/** Options of `minimize`. */
export interface MinimizeOptions {
  /** Dimension D. */
  dim: number;
  /** Initial mean (number or (D) array; default 0). */
  mean?: number | ArrayLike<number>;
  /** Initial step size (default 1). */
  sigma?: number;
  /** Candidates per generation (default: the strategy's paper's choice for D). */
  popSize?: number;
  /** Most evaluations (default 1000 * D). */
  maxEvals?: number;
  /** Stop once the best value is <= this (default -Infinity). */
  target?: number;
  /** RNG seed (default 0). */
  seed?: number;
  /** Param overrides on the paper's defaults. */
  params?: Record<string, number>;
}

/** Result of `minimize`. */
export interface MinimizeResult {
  /** Best point found. */
  x: Float64Array;
  /** Its value. */
  value: number;
  /** Evaluations used. */
  evaluations: number;
  /** Generations run. */
  generations: number;
}

/** Minimises `objective` with the strategy registered as `name` (one instance, CPU twins). */
export function minimize(
  name: string,
  objective: BatchObjective,
  options: MinimizeOptions,
): MinimizeResult {
  const strategy = getStrategy(name);
  const dim = options.dim;
  const config: StrategyConfig = {
    instances: 1,
    dim,
    popSize: options.popSize ?? strategy.defaultPopSize(dim),
  };
  const params = { ...strategy.defaultParams(config), ...options.params };
  const state = strategy.init(config, params, {
    mean: options.mean ?? 0,
    sigma: options.sigma ?? 1,
    seed: options.seed ?? 0,
  });
  const maxEvals = options.maxEvals ?? 1000 * dim;
  const target = options.target ?? -Infinity;
  let evals = 0;
  while (evals + config.popSize <= maxEvals && !(state.bestFitness[0]! <= target)) {
    const batch = askCpu(config, state, strategy.antithetic);
    const f = Float64Array.from(objective(batch.x, config.popSize, dim));
    evals += config.popSize;
    strategy.tell(config, params, state, batch, f);
  }
  return {
    x: state.bestX.slice(0, dim),
    value: state.bestFitness[0]!,
    evaluations: evals,
    generations: state.generation,
  };
}

/** Minimises `objective` with CMA-ES (sep-CMA-ES above D = 256). */
export function cmaEs(objective: BatchObjective, options: MinimizeOptions): MinimizeResult {
  return minimize("cma-es", objective, options);
}

/** Minimises `objective` with OpenAI-ES. */
export function openAiEs(objective: BatchObjective, options: MinimizeOptions): MinimizeResult {
  return minimize("openai-es", objective, options);
}

/** Minimises `objective` with SNES. */
export function snes(objective: BatchObjective, options: MinimizeOptions): MinimizeResult {
  return minimize("snes", objective, options);
}

/** Minimises `objective` with PGPE. */
export function pgpe(objective: BatchObjective, options: MinimizeOptions): MinimizeResult {
  return minimize("pgpe", objective, options);
}
