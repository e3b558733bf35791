/**
 * S instances of one registered strategy on S BBOB instances at once, for `Backend.runStrategies`:
 * on the GPU (`GpuStrategy.runDevice` with `BbobDevice`: ask, evaluation, best-so-far and tell, many
 * generations per submit) or on the CPU twins (`askCpu`, `bbobBatch`, the strategy's `tell`). Both
 * draw the same noise, so they agree to f32 rounding.
 * @module
 */
import type { GpuContext } from "../../core/gpu_context.ts";
import { bbobBatch, type BbobInstance } from "../tasks/bbob.ts";
import { LOOP_BUDGET } from "../mlp/loop_budget.ts";
import { BbobDevice, bbobLoopIterations } from "./bbob_device.ts";
import { GpuStrategy } from "./gpu_strategy.ts";
import { strategyLoops } from "./strategy_kernels.ts";
import { getStrategy } from "./registry.ts";
import { askCpu, type StrategyConfig, type StrategyState } from "./strategy.ts";

/** What `Backend.runStrategies` runs: one strategy, one instance per BBOB instance. */
export interface StrategyRunSpec {
  /** Registered strategy name. */
  name: string;
  /** BBOB instances, all of one dimension (S = instances.length). */
  instances: readonly BbobInstance[];
  /** Evaluations per instance: floor(maxEvals / popSize) generations. */
  maxEvals: number;
  /** Initial mean of every coordinate. */
  mean: number;
  /** Initial step size. */
  sigma: number;
  /** RNG seed of the noise. */
  seed: number;
  /** Candidates per generation (default: the strategy's paper's choice for D). */
  popSize?: number;
  /** Param overrides on the paper's defaults. */
  params?: Record<string, number>;
}

/** What a strategy run returns. */
export interface StrategyRunResult {
  /** Best f - f_opt per instance, (S). */
  best: Float64Array;
  /** Evaluations used per instance. */
  evaluations: number;
}

/** The config, params, start state and generation count of a spec. */
function prepare(spec: StrategyRunSpec) {
  const strategy = getStrategy(spec.name);
  const dim = spec.instances[0]?.dim ?? 0;
  if (!spec.instances.length || spec.instances.some((o) => o.dim !== dim)) {
    throw new RangeError(
      "Cannot run strategies as instances must be non-empty and of one dimension: current dimensions are " +
        spec.instances.map((o) => o.dim).join(", "),
    );
  }
  const config: StrategyConfig = {
    instances: spec.instances.length,
    dim,
    popSize: spec.popSize ?? strategy.defaultPopSize(dim),
  };
  const params = { ...strategy.defaultParams(config), ...spec.params };
  const state = strategy.init(config, params, {
    mean: spec.mean,
    sigma: spec.sigma,
    seed: spec.seed,
  });
  const generations = Math.floor(spec.maxEvals / config.popSize);
  return { strategy, config, params, state, generations };
}

function result(state: StrategyState, generations: number, popSize: number): StrategyRunResult {
  return { best: Float64Array.from(state.bestFitness), evaluations: generations * popSize };
}

/** The CPU twins: generation by generation, every instance evaluated by `bbobBatch`. */
export function runStrategiesCpu(spec: StrategyRunSpec): Promise<StrategyRunResult> {
  const { strategy, config, params, state, generations } = prepare(spec);
  const { popSize: N, dim: D } = config;
  const f = new Float64Array(config.instances * N);
  for (let g = 0; g < generations; g++) {
    const batch = askCpu(config, state, strategy.antithetic);
    spec.instances.forEach((o, s) =>
      f.set(bbobBatch(o, batch.x.subarray(s * N * D, (s + 1) * N * D), N), s * N)
    );
    strategy.tell(config, params, state, batch, f);
  }
  return Promise.resolve(result(state, generations, N));
}

/** On the device: every generation encoded (16 per submit), one state readback at the end. */
export async function runStrategiesGpu(
  ctx: GpuContext,
  spec: StrategyRunSpec,
): Promise<StrategyRunResult> {
  const { config, params, state, generations } = prepare(spec);
  const loops = Math.max(
    bbobLoopIterations(spec.instances.map((o) => o.fid), config.dim),
    strategyLoops(spec.name, config, params),
  );
  if (ctx.software && loops > LOOP_BUDGET) {
    // Past lavapipe's loop cap (f15 from D = 127, or a large popSize): the CPU twins, which
    // BbobDevice and GpuStrategy would refuse to replace.
    return await runStrategiesCpu(spec);
  }
  const gpu = await GpuStrategy.create(ctx, spec.name, config, params, state);
  const dev = await BbobDevice.create(ctx, spec.instances);
  try {
    await gpu.runDevice(dev, generations);
    return result(await gpu.readState(), generations, config.popSize);
  } finally {
    gpu.destroy();
    dev.destroy();
  }
}
