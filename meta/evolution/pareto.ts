/**
 * Pareto meta-fitness (Deb, Pratap, Agarwal and Meyarivan 2002, "A fast and elitist
 * multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2)): non-dominated sorting and crowding
 * distance over the six meta-objectives, all maximised, folded into one scalar key that orders
 * genomes as NSGA-II's crowded-comparison operator does.
 * @module
 */
import type { StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import type { GenomeScore, MetaObjective } from "./meta_objectives.ts";

/** The six meta-objectives in a fixed order. */
export const PARETO_OBJECTIVES: readonly MetaObjective[] = [
  "convergence",
  "final",
  "efficiency",
  "diversity",
  "robustness",
  "compute",
];

/** A genome's objective vector: each meta-objective's mean over its tasks. */
export function objectiveVector(score: GenomeScore): number[] {
  return PARETO_OBJECTIVES.map((k) =>
    score.tasks.reduce((a, t) => a + t[k], 0) / Math.max(1, score.tasks.length)
  );
}

/** Whether a dominates b (>= in every objective, > in one; maximising). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return false;
    if (a[i]! > b[i]!) better = true;
  }
  return better;
}

/** Front index of every point: 0 = non-dominated, 1 = non-dominated once front 0 is removed, ... */
export function frontRanks(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const rank = new Array<number>(n).fill(-1);
  const dominatedBy = new Array<number>(n).fill(0);
  const dominatesList: number[][] = points.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j && dominates(points[i]!, points[j]!)) dominatesList[i]!.push(j);
      else if (i !== j && dominates(points[j]!, points[i]!)) dominatedBy[i]!++;
    }
  }
  let front = points.map((_, i) => i).filter((i) => dominatedBy[i] === 0);
  for (let r = 0; front.length; r++) {
    const next: number[] = [];
    for (const i of front) {
      rank[i] = r;
      for (const j of dominatesList[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    front = next;
  }
  return rank;
}

/** Crowding distance of every point within its front (boundary points: Infinity). */
export function crowdingDistances(
  points: readonly (readonly number[])[],
  ranks: readonly number[],
): number[] {
  const dist = new Array<number>(points.length).fill(0);
  const m = points[0]?.length ?? 0;
  for (const r of new Set(ranks)) {
    const idx = ranks.flatMap((q, i) => (q === r ? [i] : []));
    for (let k = 0; k < m; k++) {
      const sorted = [...idx].sort((a, b) => points[a]![k]! - points[b]![k]! || a - b);
      const lo = points[sorted[0]!]![k]!;
      const hi = points[sorted.at(-1)!]![k]!;
      dist[sorted[0]!] = Infinity;
      dist[sorted.at(-1)!] = Infinity;
      if (hi === lo) continue;
      for (let q = 1; q + 1 < sorted.length; q++) {
        const gap = points[sorted[q + 1]!]![k]! - points[sorted[q - 1]!]![k]!;
        dist[sorted[q]!] = dist[sorted[q]!]! + gap / (hi - lo);
      }
    }
  }
  return dist;
}

/**
 * One scalar per point, higher is better, ordering points as NSGA-II's crowded comparison: a
 * lower front first, then a larger crowding distance: key = (maxRank - rank) + 0.5 c / (1 + c),
 * and 0.5 for an infinite distance (always below the next front's keys).
 */
export function paretoKeys(points: readonly (readonly number[])[]): number[] {
  const ranks = frontRanks(points);
  const crowd = crowdingDistances(points, ranks);
  const maxRank = Math.max(0, ...ranks);
  return ranks.map((r, i) => {
    const c = crowd[i]!;
    return maxRank - r + (Number.isFinite(c) ? (0.5 * c) / (1 + c) : 0.5);
  });
}

/** Index of the highest weighted meta-fitness (lowest index on ties). */
export function weightedBest(scores: readonly GenomeScore[]): number {
  let b = 0;
  scores.forEach((s, i) => {
    if (s.metaFitness > scores[b]!.metaFitness) b = i;
  });
  return b;
}

/** One genome of a Pareto front: its six objective means and its weighted meta-fitness. */
export interface ParetoEntry {
  /** The genome. */
  genome: StrategyGenome;
  /** Mean of each meta-objective over the tasks. */
  objectives: Record<MetaObjective, number>;
  /** The weighted meta-fitness. */
  metaFitness: number;
}

/** The non-dominated distinct genomes of `scored` over the six meta-objectives, best weighted first. */
export function paretoFront(
  scored: readonly { genome: StrategyGenome; score: GenomeScore }[],
): ParetoEntry[] {
  const seen = new Set<string>();
  const distinct = scored.filter((e) => {
    const key = JSON.stringify(e.genome);
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const points = distinct.map((e) => objectiveVector(e.score));
  const ranks = frontRanks(points);
  return distinct.flatMap((e, i) =>
    ranks[i] === 0
      ? [{
        genome: e.genome,
        objectives: Object.fromEntries(
          PARETO_OBJECTIVES.map((k, j) => [k, points[i]![j]!]),
        ) as Record<
          MetaObjective,
          number
        >,
        metaFitness: e.score.metaFitness,
      }]
      : []
  ).sort((a, b) => b.metaFitness - a.metaFitness);
}
