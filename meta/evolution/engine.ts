/**
 * `MetaEvolutionEngine`: a small facade to meta-train strategies on a task set, export and load
 * strategies.json, and run base evolution with a learned strategy on a new task.
 * @module
 */
import type { Backend } from "../../learners/backend.ts";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import type { StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import type { TaskScore } from "./meta_objectives.ts";
import type { MetaTask } from "./meta_task.ts";
import { metaTrain, type MetaTrainOptions, type MetaTrainResult } from "./meta_train.ts";
import { scoreGenomes } from "./score_genomes.ts";
import {
  runStrategyOnTask,
  type StrategyTaskOptions,
  type StrategyTaskResult,
} from "./strategy_task.ts";
import { exportStrategies, loadStrategies, type StrategiesFile } from "./strategies_file.ts";

/** A strategy of a meta-trained or loaded engine: the task's name and its best genome. */
export interface TaskStrategy {
  /** Task name. */
  task: string;
  /** The best genome on that task. */
  genome: StrategyGenome;
}

/**
 * A small facade over `metaTrain`, `exportStrategies`, `loadStrategies` and `scoreGenomes`:
 * meta-train strategies on a task set, read the universal or per-task best, export
 * strategies.json, load it again and run base evolution with a learned strategy on a new task.
 *
 * @example Meta-train, export, load and transfer
 * ```ts ignore
 * import { CpuBackend, MetaEvolutionEngine } from "./mod.ts";
 * const backend = new CpuBackend();
 * const tasks = [{ kind: "objective", name: "sphere", objective: "sphere", dim: 4, task: 0 }];
 * const engine = new MetaEvolutionEngine(backend, tasks, {
 *   modelsPerSegment: 8, generations: 10, replicates: 1, seed: 1, metaGenerations: 3,
 * });
 * await engine.metaTrain();
 * const json = JSON.stringify(engine.export());
 * const loaded = MetaEvolutionEngine.load(json, backend);
 * const score = await loaded.evolve({
 *   kind: "objective", name: "rastrigin", objective: "rastrigin", dim: 4, task: 1,
 * });
 * console.log(loaded.universalBest(), score.final);
 * ```
 */
export class MetaEvolutionEngine {
  /** Backend the base evolution runs on. */
  readonly backend: Backend;
  /** The meta-training task set (empty for a loaded engine). */
  readonly tasks: readonly MetaTask[];
  /** Sizes of meta-training and of base evolution runs (`evolve`). */
  readonly options: MetaTrainOptions;
  #result?: MetaTrainResult;
  #file?: StrategiesFile;

  /** An engine for `tasks` on `backend`; nothing runs until `metaTrain` or `evolve`. */
  constructor(backend: Backend, tasks: readonly MetaTask[], options: MetaTrainOptions) {
    this.backend = backend;
    this.tasks = tasks;
    this.options = options;
  }

  /** Meta-trains on the task set (see `metaTrain`) and keeps the result. */
  async metaTrain(): Promise<MetaTrainResult> {
    this.#result = await metaTrain(this.backend, this.tasks, this.options);
    this.#file = undefined;
    return this.#result;
  }

  #strategies(): StrategiesFile {
    if (this.#file) return this.#file;
    if (!this.#result) {
      throw new Error("Cannot read strategies: call metaTrain() or load a strategies file first");
    }
    this.#file = exportStrategies(this.#result, this.tasks, { weights: this.options.weights });
    return this.#file;
  }

  /** The universal best genome (best mean meta-fitness over the task set). */
  universalBest(): StrategyGenome {
    return { ...this.#strategies().universalBest.genome };
  }

  /** The best genome of each meta-training task, in task-set order. */
  perTaskBest(): TaskStrategy[] {
    return this.#strategies().perTaskBest.map((e) => ({ task: e.task, genome: { ...e.genome } }));
  }

  /** The strategies.json object (see `exportStrategies`); `JSON.stringify` it to save it. */
  export(): StrategiesFile {
    return structuredClone(this.#strategies());
  }

  /**
   * An engine holding the strategies of a strategies.json text or object (validated by
   * `loadStrategies`). `backend` (default a CPU backend) and `options` (default 16 models,
   * 30 generations, 1 replicate, seed 0, no meta-generations) size `evolve`.
   */
  static load(
    json: string | StrategiesFile,
    backend: Backend = new CpuBackend(),
    options: Partial<MetaTrainOptions> = {},
  ): MetaEvolutionEngine {
    const file = loadStrategies(typeof json === "string" ? json : JSON.stringify(json));
    const engine = new MetaEvolutionEngine(backend, [], {
      modelsPerSegment: 16,
      generations: 30,
      replicates: 1,
      seed: 0,
      metaGenerations: 0,
      weights: file.weights,
      ...options,
    });
    engine.#file = file;
    return engine;
  }

  /**
   * Runs base evolution on `task` with `genome` (default the universal best), sized by the
   * engine's options, and returns its meta-objectives (normalized curve, final fitness, ...).
   */
  async evolve(task: MetaTask, genome?: StrategyGenome): Promise<TaskScore> {
    const g = genome ?? this.universalBest();
    const { scores: [score] } = await scoreGenomes(this.backend, [g], [task], this.options);
    return score!.tasks[0]!;
  }

  /**
   * Runs a registered black-box strategy (`cma-es`, `openai-es`, `snes`, `pgpe`) on `task` (a
   * built-in or user objective, a neural task or a user's data set) on the engine's backend.
   */
  runStrategy(
    name: string,
    task: MetaTask,
    options: StrategyTaskOptions,
  ): Promise<StrategyTaskResult> {
    return runStrategyOnTask(this.backend, name, task, options);
  }
}
