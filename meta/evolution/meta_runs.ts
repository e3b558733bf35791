/**
 * Independent meta-evolution runs (config `metaSeeds`). One meta-evolution learns one genome, and
 * which genome it learns varies from seed to seed far more than that run's CIs (over evaluation
 * seeds) show: a last-bit change of the GPU's normal draws once moved the default run's BBOB ranks
 * from 2.0-3.9 to 4.6-5.2. So the experiment repeats meta-training from `metaSeeds - 1` more seeds
 * (same tasks, sizes and weights) and compares each run's universal best with the hand-designed GA
 * on the same held-out tasks and evaluation seeds, and on the same BBOB suite. Run 0 is the
 * experiment's main run. The summary's across-runs CI is over meta-seeds: it says how the method
 * (meta-evolution), not one of its genomes, compares with the GA.
 * @module
 */
import type { ExperimentResult } from "../../core/experiment.ts";
import { formatCi as fmt } from "../../core/format.ts";
import { metaRunSeed } from "../../core/rng.ts";
import { summarize, type Summary } from "../../core/stats.ts";
import type { Backend } from "../../learners/backend.ts";
import type { StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import { BBOB_GROUPS } from "../../learners/tasks/bbob.ts";
import { type Baselines, type BaselinesOptions, baselinesPhase } from "./baselines_phase.ts";
import type { EvolveConfig } from "./evolve_config.ts";
import { type BaseOptions, type HeldOut, heldOutPhase } from "./evolve_phases.ts";
import { metaTrain } from "./meta_train.ts";
import type { MetaTask } from "./meta_task.ts";
import { addRunStats, emptyRunStats, type RunStats } from "./score_genomes.ts";

/** One meta-evolution run's universal best against the GA. */
export interface MetaRun {
  /** The run's meta-training seed. */
  metaSeed: number;
  /** Its universal best genome. */
  learned: StrategyGenome;
  /** Held-out meta-fitness of the learned genome and the GA over the evaluation seeds. */
  learnedFitness: Summary;
  baselineFitness: Summary;
  /** Paired difference learned - GA over the evaluation seeds. */
  diff: Summary;
  /** 100 (learned - GA) / GA mean meta-fitness. */
  improvementPct: number;
  /** The learned genome's mean rank of 6 per BBOB group (empty without the BBOB suite). */
  ranks: { group: string; rank: Summary }[];
  /** Statistics of its base-evolution runs (meta-training, held-out comparison). */
  stats: RunStats;
}

/** The learned genome's ranks per BBOB group in `b`. */
function learnedRanks(b: Baselines | undefined): MetaRun["ranks"] {
  return (b?.groups ?? []).filter((g) => g.method === "learned")
    .map((g) => ({ group: g.group, rank: g.rank }));
}

/** Run 0, from the main run's phases. */
export function mainRun(
  seed: number,
  learned: StrategyGenome,
  heldOut: HeldOut,
  baselines: Baselines | undefined,
): MetaRun {
  return {
    metaSeed: seed,
    learned,
    learnedFitness: heldOut.lS,
    baselineFitness: heldOut.bS,
    diff: heldOut.diff,
    improvementPct: heldOut.improvementPct,
    ranks: learnedRanks(baselines),
    stats: heldOut.stats,
  };
}

/** What a further run needs beside the backend and the tasks. */
export interface MetaRunOptions {
  config: EvolveConfig;
  /** Sizes of base evolution. */
  base: BaseOptions;
  /** The experiment's seed (held-out and BBOB evaluation seeds are derived from it). */
  seed: number;
  /** The BBOB comparison's options (undefined: no BBOB suite). */
  bbob?: BaselinesOptions;
}

/** Run `k` >= 1: meta-training from its own seed, then the held-out and BBOB comparisons. */
export async function furtherRun(
  backend: Backend,
  train: readonly MetaTask[],
  held: readonly MetaTask[],
  k: number,
  o: MetaRunOptions,
): Promise<MetaRun> {
  const c = o.config;
  const metaSeed = metaRunSeed(o.seed, k);
  const trained = await metaTrain(backend, train, {
    ...o.base,
    seed: metaSeed,
    populationSize: c.populationSize,
    metaGenerations: c.metaGenerations,
    metaSelection: c.metaSelection,
  });
  const learned = trained.universalBest.genome;
  const heldOut = await heldOutPhase(backend, learned, held, {
    ...o.base,
    seed: o.seed,
    seeds: c.seeds,
  });
  const b = o.bbob ? await baselinesPhase(backend, learned, o.bbob) : undefined;
  const stats = emptyRunStats();
  addRunStats(stats, trained.stats);
  addRunStats(stats, heldOut.stats);
  return { ...mainRun(metaSeed, learned, heldOut, b), stats };
}

/** Across the runs: improvement and paired difference over meta-seeds, and the verdict counts. */
export interface AcrossRuns {
  /** Each run's improvement % over the GA, summarised over the runs. */
  improvementPct: Summary;
  /** Each run's mean paired difference, summarised over the runs (CI over meta-seeds). */
  diff: Summary;
  /** Runs whose paired CI lies above 0 (better than the GA), below 0 (worse), or spans 0. */
  better: number;
  worse: number;
  level: number;
  /** Mean rank per BBOB group over the runs (CI over meta-seeds). */
  ranks: { group: string; rank: Summary }[];
}

/** The runs summarised over meta-seeds. */
export function acrossRuns(runs: readonly MetaRun[]): AcrossRuns {
  const better = runs.filter((r) => r.diff.ci95Low > 0).length;
  const worse = runs.filter((r) => r.diff.ci95High < 0).length;
  const groups = BBOB_GROUPS.filter((g) => runs.every((r) => r.ranks.some((x) => x.group === g)));
  return {
    improvementPct: summarize(runs.map((r) => r.improvementPct)),
    diff: summarize(runs.map((r) => r.diff.mean)),
    better,
    worse,
    level: runs.length - better - worse,
    ranks: groups.map((group) => ({
      group,
      rank: summarize(runs.map((r) => r.ranks.find((x) => x.group === group)!.rank.mean)),
    })),
  };
}

/**
 * `result` with the runs' table, summary fields and method section (unchanged for one run); `a` is
 * `acrossRuns(runs)` when the caller has it already.
 */
export function addMetaRuns(
  result: ExperimentResult,
  runs: readonly MetaRun[],
  a: AcrossRuns = acrossRuns(runs),
): ExperimentResult {
  if (runs.length < 2) return result;
  const rows = runs.map((r, k) => {
    const row: Record<string, string> = {
      run: k === 0 ? "0 (main)" : String(k),
      meta_seed: String(r.metaSeed),
      learned: fmt(r.learnedFitness),
      baseline_GA: fmt(r.baselineFitness),
      paired_diff: fmt(r.diff),
      improvement: `${r.improvementPct.toFixed(1)}%`,
    };
    for (const g of r.ranks) row[`rank ${g.group}`] = g.rank.mean.toFixed(2);
    return row;
  });
  const across: Record<string, string> = {
    run: `over ${runs.length} runs`,
    meta_seed: "",
    learned: fmt(summarize(runs.map((r) => r.learnedFitness.mean))),
    baseline_GA: fmt(summarize(runs.map((r) => r.baselineFitness.mean))),
    paired_diff: fmt(a.diff),
    improvement: fmt(a.improvementPct),
  };
  for (const g of a.ranks) across[`rank ${g.group}`] = fmt(g.rank);
  const summary: Record<string, number> = {
    meta_runs: runs.length,
    meta_runs_better: a.better,
    meta_runs_level: a.level,
    meta_runs_worse: a.worse,
    meta_runs_improvement_pct: a.improvementPct.mean,
    meta_runs_diff_ci95_low: a.diff.ci95Low,
    meta_runs_diff_ci95_high: a.diff.ci95High,
  };
  for (const g of a.ranks) summary[`meta_runs_rank_${g.group.replace("-", "_")}`] = g.rank.mean;
  return {
    ...result,
    summary: { ...result.summary, ...summary },
    tables: [...(result.tables ?? []), {
      title:
        `Independent meta-evolution runs: each run's universal best against the GA on the held-out tasks (95% CI over the evaluation seeds) and its mean BBOB rank of 6 per group; the last row's CIs are over the runs`,
      rows: [...rows, across],
    }],
    sections: [...(result.sections ?? []), {
      title: "Independent meta-evolution runs",
      body: metaRunsText(runs.length, a),
    }],
  };
}

/** The runs' section: what they are and what they show. */
function metaRunsText(n: number, a: AcrossRuns): string {
  return `One meta-evolution learns one genome, and which genome it learns varies with its seed ` +
    `more than a run's CIs over evaluation seeds show. The experiment meta-trains ${n} times ` +
    `(\`metaSeeds\`; run 0 is the main run, whose genome the other sections analyse), each from ` +
    `its own seed on the same tasks, and compares each run's universal best with the GA on the ` +
    `same held-out tasks and evaluation seeds and on the same BBOB suite. Learned better than the ` +
    `GA (paired CI above 0) in ${a.better} of ${n} runs, level in ${a.level}, worse in ` +
    `${a.worse}; mean paired difference over the runs ${fmt(a.diff)} (95% CI over meta-seeds), ` +
    `improvement ${fmt(a.improvementPct)}%.`;
}
