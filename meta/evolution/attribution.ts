/**
 * Ablation-style attribution of a learned strategy: the meta-fitness lost when each gene group
 * reverts to the hand-designed baseline's values, over several seeds with 95% CIs.
 * @module
 */
import { summarize, type Summary } from "../../core/stats.ts";
import type { Backend } from "../../learners/backend.ts";
import { BASELINE_GENOME, type StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import type { MetaTask } from "./meta_task.ts";
import { deriveSeed } from "../../core/rng.ts";
import {
  addRunStats,
  emptyRunStats,
  type RunStats,
  scoreGenomes,
  type ScoreOptions,
} from "./score_genomes.ts";

/** Gene groups of the attribution (each replaced together with the baseline's values). */
export const GENE_GROUPS: Readonly<Record<string, readonly (keyof StrategyGenome)[]>> = {
  selection: ["selection", "tournamentSize", "rankPressure", "truncationRatio"],
  elitism: ["elitismRatio"],
  mutation: ["mutation", "resetFraction", "lowRank"],
  mutationRate: ["mutationRate"],
  mutationStrength: ["mutationStrength"],
  crossover: ["crossover"],
  crossoverRate: ["crossoverRate"],
  fitnessSharing: ["nicheRadius"],
  diversityBonus: ["diversityBonus"],
  gradSteps: ["gradSteps"],
  lrSchedule: ["lr", "lrSchedule"],
  clipNorm: ["clipNorm"],
};

/** One attribution row: meta-fitness lost when a gene group reverts to the baseline. */
export interface AttributionRow {
  /** Name of the gene group (a key of `GENE_GROUPS`). */
  group: string;
  /** Mean over seeds of metaFitness(best) - metaFitness(best with this group from the baseline). */
  delta: Summary;
}

/** What `attributeGenes` returns. */
export interface Attribution {
  /** One row per gene group where the learned genome differs from the baseline. */
  rows: AttributionRow[];
  /** Meta-fitness of the learned genome over the seeds. */
  best: Summary;
  /** Meta-fitness of the baseline genome over the seeds. */
  baseline: Summary;
  /** Statistics of the base-evolution runs made. */
  stats: RunStats;
}

/** Meta-fitness of every variant genome on seed k, all variants scored on the same tasks. */
export type VariantScorer = (variants: readonly StrategyGenome[], k: number) => Promise<number[]>;

/**
 * The paired attribution design: for each gene group where `best` differs from the baseline, the
 * variant with that group reverted; every seed scores `best`, the baseline and all variants
 * together through `scorer`, and each row's delta is paired per seed (best minus variant), so
 * what the seed shares (tasks, initial populations and, in `scoreGenomes`, the selection,
 * breeding and minibatch random streams) cancels.
 */
export async function attributeWith(
  best: StrategyGenome,
  seeds: number,
  scorer: VariantScorer,
): Promise<Omit<Attribution, "stats">> {
  const groups = Object.entries(GENE_GROUPS).filter(([, genes]) =>
    genes.some((g) => best[g] !== BASELINE_GENOME[g])
  );
  const variants: StrategyGenome[] = [best, { ...BASELINE_GENOME }];
  for (const [, genes] of groups) {
    const v: Record<string, unknown> = { ...best };
    for (const g of genes) v[g] = BASELINE_GENOME[g];
    variants.push(v as unknown as StrategyGenome);
  }
  const per: number[][] = variants.map(() => []);
  for (let k = 0; k < seeds; k++) {
    (await scorer(variants, k)).forEach((f, i) => per[i]!.push(f));
  }
  return {
    rows: groups.map(([group], i) => ({
      group,
      delta: summarize(per[0]!.map((b, k) => b - per[i + 2]![k]!)),
    })),
    best: summarize(per[0]!),
    baseline: summarize(per[1]!),
  };
}

/**
 * Ablation-style attribution on the engine: `attributeWith` scoring every seed's variants in one
 * `scoreGenomes` call (run seed deriveSeed(o.seed, `attribution-${k}`)), with common random
 * numbers across the variants, and 95% CIs over `seeds` seeds.
 */
export async function attributeGenes(
  backend: Backend,
  best: StrategyGenome,
  tasks: readonly MetaTask[],
  o: ScoreOptions & { seeds: number },
): Promise<Attribution> {
  const stats = emptyRunStats();
  const result = await attributeWith(best, o.seeds, async (variants, k) => {
    const seed = deriveSeed(o.seed, `attribution-${k}`) >>> 0;
    const r = await scoreGenomes(backend, variants, tasks, { ...o, seed });
    addRunStats(stats, r.stats);
    return r.scores.map((s) => s.metaFitness);
  });
  return { ...result, stats };
}

/** What an attribution row shows: a verdict and the smallest effect its seeds can detect. */
export interface AttributionVerdict {
  /**
   * "matters" (reverting lowers meta-fitness: CI above 0), "hurts" (CI below 0), "no effect"
   * (every seed's paired delta exactly 0: with common random numbers the runs were identical),
   * "not shown".
   */
  verdict: "matters" | "hurts" | "no effect" | "not shown";
  /** Smallest |delta| detected with 80% power at 5% (two-sided): about 1.43 CI half-widths. */
  detectable: number;
  /** Seeds needed to detect |delta| = `effect` at that power, from the observed spread. */
  seedsFor: number;
}

/**
 * The verdict on one attribution row's delta (meta-fitness of the learned genome minus that with
 * the group reverted, over seeds): shown only when its 95% CI excludes 0. The detectable effect
 * uses the normal approximation (1.96 + 0.84) SE = 1.43 half-widths.
 */
export function attributionVerdict(delta: Summary, effect = 0.05): AttributionVerdict {
  const half = (delta.ci95High - delta.ci95Low) / 2;
  const detectable = 1.43 * half;
  const verdict = delta.ci95Low > 0
    ? "matters"
    : delta.ci95High < 0
    ? "hurts"
    : delta.mean === 0 && delta.std === 0
    ? "no effect"
    : "not shown";
  return { verdict, detectable, seedsFor: Math.ceil(delta.n * (detectable / effect) ** 2) };
}
