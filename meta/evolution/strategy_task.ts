/**
 * A registered black-box strategy (CMA-ES, OpenAI-ES, SNES, PGPE) on any task of the task set: a
 * built-in objective, a user's objective (its CPU twin evaluates the candidates) or a neural /
 * data-set task, where a candidate is the whole parameter vector of an MLP and its fitness the
 * mean loss on the task's training rows, evaluated by the backend's populations.
 * @module
 */
import { deriveSeed } from "../../core/rng.ts";
import type { Backend } from "../../learners/backend.ts";
import { createMlpState, initParamsCpu } from "../../learners/mlp/mlp_cpu.ts";
import { mlpLayout } from "../../learners/mlp/mlp_layout.ts";
import { getStrategy } from "../../learners/strategies/registry.ts";
import { askCpu, type StrategyConfig } from "../../learners/strategies/strategy.ts";
import { createObjective } from "../../learners/tasks/objectives.ts";
import { type MetaTask, metaTaskDataset } from "./meta_task.ts";

/** Options of `runStrategyOnTask`. */
export interface StrategyTaskOptions {
  /** Most evaluations. */
  maxEvals: number;
  /** RNG seed (default 0). */
  seed?: number;
  /** Candidates per generation (default: the paper's choice for the dimension). */
  popSize?: number;
  /** Initial step size (default: the task's initScale, or 2; neural tasks 0.1). */
  sigma?: number;
  /** Param overrides on the paper's defaults. */
  params?: Record<string, number>;
}

/** What `runStrategyOnTask` returns. */
export interface StrategyTaskResult {
  /** Best value found (objective value, or the MLP's mean training loss). */
  best: number;
  /** The best candidate. */
  bestX: Float64Array;
  /** Best value so far after each generation. */
  curve: number[];
  /** Evaluations used. */
  evaluations: number;
}

type Evaluate = (xs: Float64Array, n: number) => Promise<ArrayLike<number>>;

/** A batch evaluator, the dimension and the start of a task. */
function taskEvaluator(
  backend: Backend,
  task: MetaTask,
  popSize: (dim: number) => number,
  seed: number,
): {
  dim: number;
  evaluate: Evaluate;
  mean: number | Float64Array;
  sigma: number;
  done: () => void;
} {
  if (task.kind === "objective") {
    const obj = createObjective(task.objective, task.dim, { seed: 0, task: task.task });
    const evaluate: Evaluate = (xs, n) =>
      Promise.resolve(obj.evaluateBatch(Float32Array.from(xs), n));
    return { dim: task.dim, evaluate, mean: 0, sigma: task.initScale ?? 2, done: () => {} };
  }
  if (task.kind === "user_objective") {
    const cpu = task.cpu;
    if (!cpu) {
      throw new TypeError(
        `Cannot run a strategy on "${task.name}" as its cpu twin is missing: strategies evaluate user objectives on the host`,
      );
    }
    const evaluate: Evaluate = (xs, n) =>
      Promise.resolve(
        Array.from({ length: n }, (_, i) =>
          cpu(Float32Array.from(xs.subarray(i * task.dim, (i + 1) * task.dim)), task.dim)),
      );
    return { dim: task.dim, evaluate, mean: 0, sigma: task.initScale ?? 2, done: () => {} };
  }
  return neuralEvaluator(backend, task, popSize, seed);
}

/** Neural / data-set task: candidates are MLP parameter vectors, fitness their training loss. */
function neuralEvaluator(
  backend: Backend,
  task: Extract<MetaTask, { kind: "neural" | "dataset" }>,
  popSize: (dim: number) => number,
  seed: number,
) {
  const ds = metaTaskDataset(task);
  const widths = [task.inputs, task.hidden, ds.classes > 0 ? ds.classes : ds.targetWidth];
  const loss = ds.classes > 0 ? "cross_entropy" as const : "mse" as const;
  const one = mlpLayout({ size: 1, widths, loss, batchSize: 1 });
  const N = popSize(one.paramCount);
  const data = backend.uploadDataset(ds);
  const pop = backend.createPopulation({ size: N, widths, loss, batchSize: 1 });
  const L = pop.layout;
  const rows = new Uint32Array(N * ds.count).map((_, i) => i % ds.count);
  const st = createMlpState(one);
  initParamsCpu(one, st, deriveSeed(seed, "strategy-neural-init") >>> 0);
  const mean = Float64Array.from(st.params.subarray(0, one.paramCount));
  const evaluate: Evaluate = async (xs, n) => {
    const params = new Float32Array(N * L.stride);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < L.paramCount; k++) params[i * L.stride + k] = xs[i * L.paramCount + k]!;
    }
    pop.writeParams(params);
    return (await pop.evaluate(data, rows)).loss.subarray(0, n);
  };
  return { dim: one.paramCount, evaluate, mean, sigma: 0.1, done: () => pop.destroy() };
}

/** Minimises `task` with the strategy registered as `name` (one instance; CPU twins for the update). */
export async function runStrategyOnTask(
  backend: Backend,
  name: string,
  task: MetaTask,
  o: StrategyTaskOptions,
): Promise<StrategyTaskResult> {
  const strategy = getStrategy(name);
  const seed = o.seed ?? 0;
  const pop = (d: number) => o.popSize ?? strategy.defaultPopSize(d);
  const ev = taskEvaluator(backend, task, pop, seed);
  const config: StrategyConfig = { instances: 1, dim: ev.dim, popSize: pop(ev.dim) };
  const params = { ...strategy.defaultParams(config), ...o.params };
  const state = strategy.init(config, params, { mean: ev.mean, sigma: o.sigma ?? ev.sigma, seed });
  const curve: number[] = [];
  let evaluations = 0;
  try {
    while (evaluations + config.popSize <= o.maxEvals) {
      const batch = askCpu(config, state, strategy.antithetic);
      const f = Float64Array.from(await ev.evaluate(batch.x, config.popSize));
      evaluations += config.popSize;
      strategy.tell(config, params, state, batch, f);
      curve.push(state.bestFitness[0]!);
    }
  } finally {
    ev.done();
  }
  return { best: state.bestFitness[0]!, bestX: state.bestX.slice(), curve, evaluations };
}
