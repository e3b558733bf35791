/**
 * The phases of the evolve experiment: meta-training (or loading) the universal strategy,
 * attribution, the held-out comparison with the hand-designed GA, the specialized comparison, and
 * evaluations to the baseline's final level. Each phase returns what it measured, with the
 * statistics of its base-evolution runs.
 * @module
 */
import type { RunContext } from "../../core/experiment.ts";
import { formatCi } from "../../core/format.ts";
import type { MetricRow } from "../../core/run_dir.ts";
import { deriveSeed } from "../../core/rng.ts";
import { mean, summarize, type Summary } from "../../core/stats.ts";
import type { Backend } from "../../learners/backend.ts";
import { BASELINE_GENOME, type StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import { attributeGenes, type Attribution } from "./attribution.ts";
import type { EvolveConfig } from "./evolve_config.ts";
import type { MetaTask } from "./meta_task.ts";
import { type MetaGenerationRow, metaTrain, type MetaTrainResult } from "./meta_train.ts";
import { metaTrainProgress } from "./meta_train_progress.ts";
import { addRunStats, emptyRunStats, type RunStats, type ScoreOptions } from "./score_genomes.ts";
import type { PhaseCheckpoints } from "../../core/phase_checkpoints.ts";
import { loadStrategies, type StrategiesFile } from "./strategies_file.ts";
import { type TransferResult, transferTest } from "./transfer.ts";

/** Sizes of base evolution shared by every phase. */
export type BaseOptions = Omit<ScoreOptions, "seed">;

/** The universal strategy: meta-trained (with its rows) or loaded from a strategies file. */
export interface MetaPhase {
  /** The learned universal best genome. */
  learned: StrategyGenome;
  /** The meta-training result (undefined when loaded). */
  trained?: MetaTrainResult;
  /** Meta-generation rows (empty when loaded). */
  rows: MetaGenerationRow[];
  /** Wall-clock seconds of the phase. */
  seconds: number;
  /** Statistics of its base-evolution runs. */
  stats: RunStats;
}

/** Meta-trains the universal strategy on `train` (emitting one metrics row per meta-generation) or loads it. */
export async function metaPhase(
  ctx: RunContext<EvolveConfig, StrategiesFile | undefined>,
  backend: Backend,
  train: readonly MetaTask[],
  base: BaseOptions,
  checkpoints?: Pick<PhaseCheckpoints, "progress" | "saveProgress">,
): Promise<MetaPhase> {
  const c = ctx.config;
  const t0 = performance.now();
  const rows: MetaGenerationRow[] = [];
  if (c.strategies) {
    // Read and checked by the experiment's prepare (before the run folder existed).
    const file = ctx.inputs ?? loadStrategies(await Deno.readTextFile(c.strategies));
    const learned = file.universalBest.genome;
    ctx.log(`loaded the universal best strategy from ${c.strategies}`);
    return { learned, rows, seconds: (performance.now() - t0) / 1000, stats: emptyRunStats() };
  }
  // A checkpoint after every meta-generation; a resumed run continues from the last one.
  const progress = await metaTrainProgress(ctx.checkpointDir, "meta", checkpoints);
  const trained = await metaTrain(backend, train, {
    ...base,
    seed: ctx.seed,
    populationSize: c.populationSize,
    metaGenerations: c.metaGenerations,
    metaSelection: c.metaSelection,
    resume: progress.resume,
    onCheckpoint: (state) => progress.save(state),
    onGeneration: async (r) => {
      ctx.log(
        `meta-generation ${r.metaGeneration}: best ${r.best.toFixed(4)} mean ${
          r.mean.toFixed(4)
        } (${r.seconds.toFixed(1)} s)`,
      );
      await ctx.emit(metricRow(r));
    },
  });
  return {
    learned: trained.universalBest.genome,
    trained,
    rows: trained.rows,
    seconds: (performance.now() - t0) / 1000,
    stats: trained.stats,
  };
}

/** The meta-fitness statistics of a meta-generation, as the metrics and the report name them. */
export function metaFitnessColumns(r: MetaGenerationRow): Record<string, number> {
  const { best, mean } = r;
  return {
    best,
    mean,
    ci95_low: r.ci95Low,
    ci95_high: r.ci95High,
    best_ever: r.bestEver,
    success_rate: r.successRate,
  };
}

/** One metrics row of a meta-generation. */
export function metricRow(r: MetaGenerationRow): MetricRow {
  return {
    metaGeneration: r.metaGeneration,
    ...metaFitnessColumns(r),
    meta_mutation_rate: r.mutationRate,
    meta_mutation_strength: r.mutationStrength,
    meta_tournament: r.tournamentSize,
    best_knob_rate: r.bestKnobs.mutationRate,
    best_knob_strength: r.bestKnobs.mutationStrength,
    best_knob_tournament: r.bestKnobs.tournamentSize,
    seconds: r.seconds,
  };
}

/** The seed of the held-out comparisons (the same initial populations for every strategy). */
export function heldOutSeed(seed: number): number {
  return (seed ^ 0x48e1d0) >>> 0;
}

/** The held-out comparison: learned universal best vs the hand-designed baseline GA. */
export interface HeldOut {
  /** The learned strategy's per-seed results. */
  learned: TransferResult;
  /** The baseline GA's per-seed results. */
  baseline: TransferResult;
  /** Learned meta-fitness over seeds. */
  lS: Summary;
  /** Baseline meta-fitness over seeds. */
  bS: Summary;
  /** Paired difference learned - baseline. */
  diff: Summary;
  /** 100 (learned - baseline) / baseline mean meta-fitness. */
  improvementPct: number;
  /** Statistics of its base-evolution runs. */
  stats: RunStats;
}

/** Runs the learned strategy and the baseline GA on the held-out tasks over `seeds` seeds. */
export async function heldOutPhase(
  backend: Backend,
  learned: StrategyGenome,
  held: readonly MetaTask[],
  o: BaseOptions & { seed: number; seeds: number },
): Promise<HeldOut> {
  const { results, stats } = await transferTest(backend, [learned, { ...BASELINE_GENOME }], held, {
    ...o,
    replicates: 1,
    seed: heldOutSeed(o.seed),
  });
  const [L, B] = results as [TransferResult, TransferResult];
  const lS = summarize(L.metaFitness);
  const bS = summarize(B.metaFitness);
  return {
    learned: L,
    baseline: B,
    lS,
    bS,
    diff: summarize(L.metaFitness.map((v, i) => v - B.metaFitness[i]!)),
    improvementPct: (100 * (lS.mean - bS.mean)) / Math.max(1e-12, bS.mean),
    stats,
  };
}

/** Learned-on-training-tasks vs specialized-on-that-task on one held-out task. */
export interface SpecializedRow {
  /** Held-out task name. */
  task: string;
  /** The specialized genome. */
  genome: StrategyGenome;
  /** The learned strategy's meta-fitness over seeds. */
  learned: Summary;
  /** The specialized strategy's meta-fitness over seeds. */
  specialized: Summary;
  /** Per-seed ratio learned / specialized. */
  ratio: Summary;
}

/**
 * A small meta-run on each held-out task alone, then the learned and the specialized strategy on
 * that task from the same initial populations.
 */
export async function specializedPhase(
  backend: Backend,
  learned: StrategyGenome,
  held: readonly MetaTask[],
  o: BaseOptions & { seed: number; seeds: number; population: number; metaGenerations: number },
): Promise<{ rows: SpecializedRow[]; ratio: Summary; stats: RunStats }> {
  const { population, metaGenerations, ...base } = o;
  const rows: SpecializedRow[] = [];
  const stats = emptyRunStats();
  for (const [ti, t] of held.entries()) {
    const sp = await metaTrain(backend, [t], {
      ...base,
      replicates: 1,
      seed: deriveSeed(o.seed, `specialized-${ti}`) >>> 0,
      populationSize: population,
      metaGenerations,
    });
    addRunStats(stats, sp.stats);
    const tr = await transferTest(backend, [learned, sp.universalBest.genome], [t], {
      ...base,
      replicates: 1,
      seed: heldOutSeed(o.seed),
    });
    addRunStats(stats, tr.stats);
    const [tl, ts] = tr.results as [TransferResult, TransferResult];
    rows.push({
      task: t.name,
      genome: sp.universalBest.genome,
      learned: summarize(tl.metaFitness),
      specialized: summarize(ts.metaFitness),
      ratio: summarize(tl.metaFitness.map((v, k) => v / Math.max(1e-12, ts.metaFitness[k]!))),
    });
  }
  return { rows, ratio: summarize(rows.map((r) => r.ratio.mean)), stats };
}

/** Evaluations to reach the baseline's mean final normalized fitness on one held-out task. */
export interface EvalRow {
  /** A table row: every field is a cell. */
  [key: string]: string | number;
  /** Task name. */
  task: string;
  /** Learned final normalized fitness, `mean [low, high]`. */
  learned_final: string;
  /** Baseline final normalized fitness, `mean [low, high]`. */
  baseline_final: string;
  /** The baseline's mean final normalized fitness. */
  target: number;
  /** Mean evaluations of the learned strategy to the target (seeds that reach it). */
  learned_evals_to_target: number;
  /** Seeds where the learned strategy reached the target. */
  learned_reached: number;
  /** Mean evaluations of the baseline to the target. */
  baseline_evals_to_target: number;
  /** learned / baseline evaluations. */
  evals_ratio: number;
}

/** Evaluations to the baseline's final level, per held-out task (M evaluations a generation). */
export function evalsToTarget(held: readonly MetaTask[], h: HeldOut, M: number): EvalRow[] {
  const L = h.learned;
  const B = h.baseline;
  return held.map((t, ti) => {
    const target = mean(B.final[ti]!);
    const reach = (curves: number[][]) =>
      curves.map((cv) => {
        // Reached and held: a run that collapses later (all models quarantined) does not count.
        const g = cv.findIndex((q) => q >= target - 1e-9);
        return g < 0 || cv.at(-1)! < target - 1e-9 ? NaN : (g + 1) * M;
      });
    const lr = reach(L.curves[ti]!);
    const br = reach(B.curves[ti]!);
    const lm = mean(lr.filter(Number.isFinite));
    const bm = mean(br.filter(Number.isFinite));
    return {
      task: t.name,
      learned_final: formatCi(summarize(L.final[ti]!)),
      baseline_final: formatCi(summarize(B.final[ti]!)),
      target,
      learned_evals_to_target: lm,
      learned_reached: lr.filter(Number.isFinite).length,
      baseline_evals_to_target: bm,
      evals_ratio: lm / bm,
    };
  });
}

/** Attribution on the training tasks (none when the strategy was loaded). */
export function attributionPhase(
  backend: Backend,
  meta: MetaPhase,
  train: readonly MetaTask[],
  o: BaseOptions & { seed: number; seeds: number },
): Promise<Attribution | undefined> {
  return meta.trained
    ? attributeGenes(backend, meta.learned, train, o)
    : Promise.resolve(undefined);
}
