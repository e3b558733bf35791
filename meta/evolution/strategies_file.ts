/**
 * strategies.json: the exported strategies of a meta-training run (universal best, per-task best,
 * top genomes, attribution), written by `exportStrategies` and read back by `loadStrategies`.
 * @module
 */
import { parseGenome, type StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import type { AttributionRow } from "./attribution.ts";
import { DEFAULT_META_WEIGHTS, type MetaWeights } from "./meta_objectives.ts";
import type { MetaTask } from "./meta_task.ts";
import type { MetaTrainResult } from "./meta_train.ts";
import { type ParetoEntry, paretoFront } from "./pareto.ts";

/** strategies.json: the exported strategies. */
export interface StrategiesFile {
  /** File format version. */
  version: 1;
  /** Meta-objective weights the scores were computed with. */
  weights: MetaWeights;
  /** Names of the tasks of the task set. */
  tasks: string[];
  /** The best genome over every task and its meta-fitness. */
  universalBest: { genome: StrategyGenome; metaFitness: number };
  /** The best genome of each task and its meta-fitness on that task. */
  perTaskBest: { task: string; genome: StrategyGenome; score: number }[];
  /** The top distinct genomes by meta-fitness, with per-task meta-fitness. */
  top: { genome: StrategyGenome; metaFitness: number; perTask: Record<string, number> }[];
  /** Gene-group attribution: mean meta-fitness lost and its 95% confidence interval. */
  attribution?: { group: string; delta: number; ci95Low: number; ci95High: number }[];
  /** The Pareto front of every evaluated genome over the six meta-objectives (`paretoFront`). */
  paretoFront?: ParetoEntry[];
}

/** Builds the strategies.json object from a meta-training result (top `k` distinct genomes). */
export function exportStrategies(
  r: MetaTrainResult,
  tasks: readonly MetaTask[],
  o: { weights?: MetaWeights; top?: number; attribution?: AttributionRow[] } = {},
): StrategiesFile {
  const seen = new Set<string>();
  const top: StrategiesFile["top"] = [];
  const sorted = [...r.evaluated].sort((a, b) => b.score.metaFitness - a.score.metaFitness);
  for (const e of sorted) {
    const key = JSON.stringify(e.genome);
    if (seen.has(key)) continue;
    seen.add(key);
    top.push({
      genome: e.genome,
      metaFitness: e.score.metaFitness,
      perTask: Object.fromEntries(tasks.map((t, i) => [t.name, e.score.tasks[i]!.metaFitness])),
    });
    if (top.length >= (o.top ?? 5)) break;
  }
  return {
    version: 1,
    weights: { ...(o.weights ?? DEFAULT_META_WEIGHTS) },
    tasks: tasks.map((t) => t.name),
    universalBest: {
      genome: r.universalBest.genome,
      metaFitness: r.universalBest.score.metaFitness,
    },
    perTaskBest: r.perTaskBest.map((e, i) => ({
      task: tasks[i]!.name,
      genome: e.genome,
      score: e.score.tasks[i]!.metaFitness,
    })),
    top,
    paretoFront: paretoFront(r.evaluated),
    attribution: o.attribution?.map((a) => ({
      group: a.group,
      delta: a.delta.mean,
      ci95Low: a.delta.ci95Low,
      ci95High: a.delta.ci95High,
    })),
  };
}

/**
 * Parses strategies.json text; throws a SyntaxError for invalid JSON and TypeError/RangeError
 * naming the bad field for a malformed file or genome.
 */
export function loadStrategies(text: string): StrategiesFile {
  const raw = JSON.parse(text) as unknown;
  if (typeof raw !== "object" || raw === null) {
    throw new TypeError("Invalid strategies file: must be a JSON object");
  }
  const r = raw as Record<string, unknown>;
  if (r.version !== 1) {
    throw new RangeError(
      `Invalid strategies file: version must be 1: current value is ${r.version}`,
    );
  }
  const ub = r.universalBest as Record<string, unknown> | undefined;
  if (!ub || typeof ub !== "object") {
    throw new TypeError("Invalid strategies file: universalBest must be an object");
  }
  if (!Array.isArray(r.top)) throw new TypeError("Invalid strategies file: top must be an array");
  if (!Array.isArray(r.perTaskBest)) {
    throw new TypeError("Invalid strategies file: perTaskBest must be an array");
  }
  return {
    version: 1,
    weights: { ...DEFAULT_META_WEIGHTS, ...(r.weights as Partial<MetaWeights> ?? {}) },
    tasks: Array.isArray(r.tasks) ? r.tasks.map(String) : [],
    universalBest: {
      genome: parseGenome(ub.genome, "universalBest.genome"),
      metaFitness: Number(ub.metaFitness),
    },
    perTaskBest: (r.perTaskBest as Record<string, unknown>[]).map((e, i) => ({
      task: String(e.task),
      genome: parseGenome(e.genome, `perTaskBest[${i}].genome`),
      score: Number(e.score),
    })),
    top: (r.top as Record<string, unknown>[]).map((e, i) => ({
      genome: parseGenome(e.genome, `top[${i}].genome`),
      metaFitness: Number(e.metaFitness),
      perTask: (e.perTask ?? {}) as Record<string, number>,
    })),
    attribution: r.attribution as StrategiesFile["attribution"],
  };
}
