/**
 * The meta level's bookkeeping of one meta-generation: every scored genome, the bests so far, and
 * the selection key (weighted meta-fitness, or NSGA-II's Pareto key over the six meta-objectives).
 * @module
 */
import type { StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import type { GenomeScore } from "./meta_objectives.ts";
import type { ScoredGenome } from "./meta_train.ts";
import { objectiveVector, paretoKeys, weightedBest } from "./pareto.ts";

/** The bests seen so far: overall, of meta-generation 0, and per task. */
export interface Bests {
  /** The best scored genome overall. */
  ever?: ScoredGenome;
  /** The best of meta-generation 0. */
  initial?: ScoredGenome;
  /** Per task, the genome with the best score on it. */
  perTask: (ScoredGenome | undefined)[];
}

/** Records one meta-generation's scores; returns the fitness values, rank order and best. */
export function recordScores(
  pop: readonly StrategyGenome[],
  scores: readonly GenomeScore[],
  mg: number,
  evaluated: ScoredGenome[],
  bests: Bests,
  pareto = false,
): { fit: number[]; order: number[]; best: ScoredGenome } {
  const fit = pareto ? paretoKeys(scores.map(objectiveVector)) : scores.map((s) => s.metaFitness);
  pop.forEach((g, i) => {
    const e = { genome: g, score: scores[i]!, metaGeneration: mg };
    evaluated.push(e);
    scores[i]!.tasks.forEach((ts, t) => {
      const cur = bests.perTask[t];
      if (!cur || ts.metaFitness > cur.score.tasks[t]!.metaFitness) bests.perTask[t] = e;
    });
  });
  const order = fit.map((_, i) => i).sort((a, b) => fit[b]! - fit[a]! || a - b);
  const top = pareto ? weightedBest(scores) : order[0]!;
  const best = { genome: pop[top]!, score: scores[top]!, metaGeneration: mg };
  if (mg === 0) bests.initial = best;
  if (!bests.ever || best.score.metaFitness > bests.ever.score.metaFitness) bests.ever = best;
  return { fit, order, best };
}
