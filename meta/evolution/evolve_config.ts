/**
 * The evolve experiment's config: the built-in task library, the resolved config and its schema.
 * @module
 */
import { z } from "zod";
import type { ConfigSchema } from "../../core/config_schema.ts";
import { DEFAULT_META_WEIGHTS, type MetaWeights } from "./meta_objectives.ts";
import type { MetaTask } from "./meta_task.ts";
import { BBOB_IDS } from "../../learners/tasks/bbob.ts";
import { MAX_MODELS_PER_SEGMENT } from "../../learners/evolution/evolution.ts";

/** Built-in tasks by name (objective tasks differ by function, dimension and shift stream). */
export const TASK_LIBRARY: Readonly<Record<string, MetaTask>> = {
  "sphere-8": { kind: "objective", name: "sphere-8", objective: "sphere", dim: 8, task: 0 },
  "rastrigin-8": {
    kind: "objective",
    name: "rastrigin-8",
    objective: "rastrigin",
    dim: 8,
    task: 1,
  },
  "rosenbrock-6": {
    kind: "objective",
    name: "rosenbrock-6",
    objective: "rosenbrock",
    dim: 6,
    task: 2,
  },
  "ackley-8": { kind: "objective", name: "ackley-8", objective: "ackley", dim: 8, task: 3 },
  "sphere-8b": { kind: "objective", name: "sphere-8b", objective: "sphere", dim: 8, task: 7 },
  "rastrigin-6b": {
    kind: "objective",
    name: "rastrigin-6b",
    objective: "rastrigin",
    dim: 6,
    task: 9,
  },
  "rosenbrock-8b": {
    kind: "objective",
    name: "rosenbrock-8b",
    objective: "rosenbrock",
    dim: 8,
    task: 11,
  },
  "mlp-4way": {
    kind: "neural",
    name: "mlp-4way",
    inputs: 8,
    ways: 4,
    shots: 24,
    hidden: 12,
    difficulty: 0.4,
    familySeed: 3,
  },
  "mlp-4way-b": {
    kind: "neural",
    name: "mlp-4way-b",
    inputs: 8,
    ways: 4,
    shots: 24,
    hidden: 12,
    difficulty: 0.5,
    familySeed: 11,
  },
};

/** The resolved config of the evolve experiment. */
export interface EvolveConfig {
  /** auto (default: the GPU when a WebGPU adapter exists, else the CPU twins), gpu, or cpu. */
  backend: "auto" | "gpu" | "cpu";
  /** Meta-population size S. */
  populationSize: number;
  /** Meta-generations of the meta level. */
  metaGenerations: number;
  /** Models per segment M. */
  modelsPerSegment: number;
  /** Base-evolution generations per run. */
  generations: number;
  /** Initial populations per (genome, task) in meta-training. */
  replicates: number;
  /** Meta-training tasks (names in TASK_LIBRARY). */
  trainTasks: string[];
  /** Held-out tasks (never seen by the meta level). */
  heldOutTasks: string[];
  /** Seeds of the held-out comparison and of the BBOB baselines. */
  seeds: number;
  /**
   * Seeds of the attribution (paired, common random numbers). Default 12: the most any gene group
   * of the default run needed to detect a change of 0.05 at 80% power (measured 2026-12-02).
   */
  attributionSeeds: number;
  /**
   * Independent meta-evolution runs (meta/evolution/meta_runs.ts): the main run and
   * `metaSeeds - 1` more from their own seeds, each compared with the GA (1: the main run only).
   */
  metaSeeds: number;
  /** Meta-objective weights. */
  weights: MetaWeights;
  /** Generations per GPU submit / history readback. */
  readEvery: number;
  /** Optional strategies.json to compare on the held-out tasks instead of meta-training. */
  strategies?: string;
  /** Meta-population of the specialized meta-run on each held-out task (null: populationSize). */
  specializedPopulation: number | null;
  /** Meta-generations of the specialized meta-run on each held-out task (null: metaGenerations). */
  specializedGenerations: number | null;
  /** Held-out BBOB functions of the baselines comparison (empty: no comparison). */
  bbobFunctions: number[];
  /** Dimensions of the baselines comparison (2 to 64: the GA's user-objective limit). */
  bbobDims: number[];
  /**
   * GA generations of the baselines comparison, whose budget is modelsPerSegment x this (null:
   * `generations`, the budget the strategies are meta-trained at).
   */
  bbobGenerations: number | null;
  /** Meta-level selection: the weighted sum of the six meta-objectives, or their Pareto front. */
  metaSelection: "weighted" | "pareto";
}

const taskName = z.string().refine((n) => n in TASK_LIBRARY, {
  message: `must be one of ${Object.keys(TASK_LIBRARY).join(", ")}`,
});

/** Config schema of the evolve experiment. */
export const EVOLVE_SCHEMA: ConfigSchema<EvolveConfig> = z.object({
  backend: z.enum(["auto", "gpu", "cpu"]).default("auto"),
  populationSize: z.number().int().min(2).max(64).default(16),
  // 60, not 10 (2026-12-04, `train evolve` at the default scale, five meta-seeds each, lavapipe):
  // the paired held-out difference over the runs was 0.158 [0.045, 0.271] at 10, 0.205 [0.139, 0.272]
  // at 30, 0.232 [0.189, 0.274] at 60 and 0.246 [0.207, 0.285] at 120 (GA 0.218 in all), and the
  // mean BBOB ranks went from 4.2-5.2 to 3.4-4.1; 10 was starved. 65 s against 19 s (README).
  metaGenerations: z.number().int().min(1).max(200).default(60),
  modelsPerSegment: z.number().int().min(2).max(MAX_MODELS_PER_SEGMENT).default(12),
  generations: z.number().int().min(2).max(10_000).default(24),
  replicates: z.number().int().min(1).max(16).default(2),
  trainTasks: z.array(taskName).min(1).max(10).default([
    "sphere-8",
    "rastrigin-8",
    "rosenbrock-6",
    "mlp-4way",
  ]),
  heldOutTasks: z.array(taskName).min(1).max(10).default([
    "ackley-8",
    "sphere-8b",
    "rastrigin-6b",
    "mlp-4way-b",
  ]),
  seeds: z.number().int().min(2).max(100).default(5),
  attributionSeeds: z.number().int().min(2).max(100).default(12),
  metaSeeds: z.number().int().min(1).max(20).default(5),
  weights: z.object({
    convergence: z.number().min(0).default(DEFAULT_META_WEIGHTS.convergence),
    final: z.number().min(0).default(DEFAULT_META_WEIGHTS.final),
    efficiency: z.number().min(0).default(DEFAULT_META_WEIGHTS.efficiency),
    diversity: z.number().min(0).default(DEFAULT_META_WEIGHTS.diversity),
    robustness: z.number().min(0).default(DEFAULT_META_WEIGHTS.robustness),
    compute: z.number().min(0).default(DEFAULT_META_WEIGHTS.compute),
  }).default({}).refine((w) => Object.values(w).some((v) => v > 0), {
    message: "must have at least one weight > 0",
  }),
  readEvery: z.number().int().min(1).max(10_000).default(16),
  strategies: z.string().optional(),
  // null (the universal run's budget), not 6 x 3 (2026-12-04): with a twentieth of the universal
  // run's meta-generations the specialists lost to it on 3 of 4 held-out tasks (learned /
  // specialized 156.7%), a comparison starved on the specialists' side (README).
  specializedPopulation: z.number().int().min(2).max(64).nullable().default(null),
  specializedGenerations: z.number().int().min(1).max(200).nullable().default(null),
  bbobFunctions: z.array(
    z.number().int().refine((f) => BBOB_IDS.includes(f), {
      message: `must be one of ${BBOB_IDS.join(", ")}`,
    }),
  ).max(24).default([...BBOB_IDS]),
  bbobDims: z.array(z.number().int().min(2).max(64)).min(1).max(4).default([10]),
  bbobGenerations: z.number().int().min(2).max(10_000).nullable().default(null),
  metaSelection: z.enum(["weighted", "pareto"]).default("weighted"),
});

/**
 * The specialized meta-run's meta-population and meta-generations: the config's, or by default the
 * universal run's, so that a specialist gets the meta-budget the learned strategy got.
 */
export function specializedBudget(
  c: EvolveConfig,
): { population: number; metaGenerations: number } {
  return {
    population: c.specializedPopulation ?? c.populationSize,
    metaGenerations: c.specializedGenerations ?? c.metaGenerations,
  };
}
