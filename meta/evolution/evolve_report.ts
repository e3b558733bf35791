/**
 * The evolve experiment's report: summary, tables, plots and method text from what its phases
 * measured.
 * @module
 */
import type { AcrossRuns } from "./meta_runs.ts";
import type { ExperimentResult } from "../../core/experiment.ts";
import { formatCi as fmt } from "../../core/format.ts";
import { curveSeries } from "../../core/plots.ts";
import { aggregateCurves, type Summary } from "../../core/stats.ts";
import type { StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import { type Attribution, attributionVerdict } from "./attribution.ts";
import { type EvolveConfig, specializedBudget } from "./evolve_config.ts";
import {
  type EvalRow,
  type HeldOut,
  metaFitnessColumns,
  type MetaPhase,
  type SpecializedRow,
} from "./evolve_phases.ts";
import type { MetaTask } from "./meta_task.ts";
import type { RunStats } from "./score_genomes.ts";

/** Everything the evolve experiment measured. */
export interface EvolveOutcome {
  /** The resolved config. */
  config: EvolveConfig;
  /** The backend that ran (backendLabel: "cpu", or "gpu (adapter, software|hardware)"). */
  backend: string;
  /** Meta-training tasks. */
  train: readonly MetaTask[];
  /** Held-out tasks. */
  held: readonly MetaTask[];
  /** The universal strategy. */
  meta: MetaPhase;
  /** Attribution on the training tasks (none when loaded). */
  attribution?: Attribution;
  /** Learned vs baseline GA on the held-out tasks. */
  heldOut: HeldOut;
  /** Learned vs specialized per held-out task. */
  specialized: SpecializedRow[];
  /** Mean over held-out tasks of learned / specialized. */
  specRatio: Summary;
  /** Evaluations to target per held-out task. */
  evalRows: EvalRow[];
  /** 100 (1 - mean evaluations ratio) over tasks where both reach the target. */
  evalReductionPct: number;
  /** Statistics of every base-evolution run of the experiment. */
  total: RunStats;
  /** The independent meta-evolution runs summarised (undefined for one run). */
  metaRuns?: AcrossRuns;
}

type Row = Record<string, string | number>;

function genomeCells(g: StrategyGenome): Row {
  return { ...g } as unknown as Row;
}

/** The summary metrics. */
export function evolveSummary(o: EvolveOutcome): Record<string, string | number | null> {
  const { meta, heldOut: h, total } = o;
  const trained = meta.trained;
  return {
    backend: o.backend,
    learned_meta_fitness: h.lS.mean,
    baseline_meta_fitness: h.bS.mean,
    improvement_pct: h.improvementPct,
    paired_diff_ci95_low: h.diff.ci95Low,
    paired_diff_ci95_high: h.diff.ci95High,
    eval_reduction_pct: o.evalReductionPct,
    initial_best_meta_fitness: trained?.initialBest.score.metaFitness ?? null,
    universal_best_meta_fitness: trained?.universalBest.score.metaFitness ?? null,
    meta_training_seconds: meta.seconds,
    seconds_per_meta_generation: meta.rows.length ? meta.seconds / meta.rows.length : null,
    base_generations: total.generations,
    gpu_awaits_per_generation: total.awaits / Math.max(1, total.generations),
    meta_training_runs: meta.stats.runs,
    strategies_file: trained ? "strategies.json" : null,
    learned_over_specialized: o.specRatio.mean,
    meta_submit_seconds: meta.stats.submitSeconds,
    meta_wait_seconds: meta.stats.waitSeconds,
    meta_evolution_seconds: meta.stats.seconds,
    ...attributionSummary(o.attribution),
  };
}

/** The attribution's verdicts in one line each: groups that matter, hurt, change nothing, not shown. */
function attributionSummary(a?: Attribution): Record<string, string | number | null> {
  if (!a) return {};
  const verdicts = a.rows.map((r) => ({ group: r.group, ...attributionVerdict(r.delta) }));
  const list = (v: string) =>
    verdicts.filter((x) => x.verdict === v).map((x) => x.group).join(" ") || "none";
  return {
    attribution_matters: list("matters"),
    attribution_hurts: list("hurts"),
    attribution_no_effect: list("no effect"),
    attribution_not_shown: list("not shown"),
    attribution_detectable_max: verdicts.length
      ? Math.max(...verdicts.map((x) => x.detectable))
      : null,
  };
}

function metaGenerationTable(o: EvolveOutcome): NonNullable<ExperimentResult["tables"]>[number] {
  return {
    title: "Meta-fitness per meta-generation (mean and 95% CI over the meta-population)",
    rows: o.meta.rows.map((r) => ({
      meta_generation: r.metaGeneration,
      ...metaFitnessColumns(r),
      meta_rate: r.mutationRate,
      meta_strength: r.mutationStrength,
      meta_tournament: r.tournamentSize,
      seconds: r.seconds,
    })),
  };
}

/** The claim row's addition for several meta-evolution runs. */
function acrossText(a: AcrossRuns): string {
  const n = a.better + a.level + a.worse;
  return `; over ${n} independent meta-evolution runs ${fmt(a.improvementPct)}% (95% CI over ` +
    `the runs), better than the GA in ${a.better} of ${n}`;
}

function claimsTable(o: EvolveOutcome): NonNullable<ExperimentResult["tables"]>[number] {
  const c = o.config;
  const spec = specializedBudget(c);
  const pct = o.evalReductionPct;
  return {
    title: "Seed claims vs this run (held-out tasks)",
    rows: [
      {
        claim: "universal strategy beats hand-designed by 23%",
        measured: `${o.heldOut.improvementPct.toFixed(1)}% (meta-fitness, paired diff ${
          fmt(o.heldOut.diff)
        })${o.metaRuns ? acrossText(o.metaRuns) : ""}`,
      },
      {
        claim: "40% fewer evaluations to target",
        measured: Number.isFinite(pct)
          ? `${pct.toFixed(1)}% fewer (mean over tasks where both reach the baseline's final level)`
          : "not measurable (targets not reached)",
      },
      {
        claim: "2.3x faster convergence",
        measured: Number.isFinite(pct)
          ? `${(1 / Math.max(1e-9, 1 - pct / 100)).toFixed(2)}x (inverse of the evaluations ratio)`
          : "not measurable",
      },
      {
        claim: "85% of specialized performance on unseen tasks",
        measured:
          `${(100 * o.specRatio.mean).toFixed(1)}% (mean over held-out tasks of learned / ` +
          `specialized meta-fitness; specialized: ${spec.population} genomes x ` +
          `${spec.metaGenerations} meta-generations per task)`,
      },
    ],
  };
}

function heldOutTables(o: EvolveOutcome): NonNullable<ExperimentResult["tables"]> {
  const { heldOut: h, attribution, config: c } = o;
  const tables: NonNullable<ExperimentResult["tables"]> = [{
    title:
      `Held-out tasks: learned universal strategy vs hand-designed GA (${c.seeds} seeds, 95% CI)`,
    rows: [
      { strategy: "learned", meta_fitness: fmt(h.lS) },
      { strategy: "baseline GA", meta_fitness: fmt(h.bS) },
      { strategy: "difference (paired)", meta_fitness: fmt(h.diff) },
    ],
  }, {
    title: "Held-out tasks: final normalized fitness and evaluations to target",
    rows: o.evalRows,
  }];
  if (attribution) {
    tables.push({
      title:
        `Attribution on the training tasks: meta-fitness lost when a gene group reverts to the baseline (${c.attributionSeeds} seeds paired with common random numbers, 95% CI)`,
      rows: [
        { group: "(learned, unchanged)", meta_fitness_or_delta: fmt(attribution.best) },
        { group: "(baseline GA)", meta_fitness_or_delta: fmt(attribution.baseline) },
        ...attribution.rows.map((a) => {
          const v = attributionVerdict(a.delta);
          return {
            group: a.group,
            meta_fitness_or_delta: fmt(a.delta),
            shown: v.verdict,
            detectable_80pct: v.detectable,
            seeds_to_detect_0_05: v.seedsFor,
          };
        }),
      ],
    });
  }
  return tables;
}

function trainedTables(o: EvolveOutcome): NonNullable<ExperimentResult["tables"]> {
  const trained = o.meta.trained;
  if (!trained) return [];
  return [{
    title: "Per-task best genomes on the training tasks (task meta-fitness) and the universal best",
    rows: [
      ...trained.perTaskBest.map((e, i) => ({
        task: o.train[i]!.name,
        task_meta_fitness: e.score.tasks[i]!.metaFitness,
        ...genomeCells(e.genome),
      })),
      {
        task: "(universal best, mean over tasks)",
        task_meta_fitness: trained.universalBest.score.metaFitness,
        ...genomeCells(trained.universalBest.genome),
      },
    ],
  }, {
    title: "Level 3: meta-knob settings (population after each meta-generation, credit = mean " +
      "offspring improvement over the better parent)",
    rows: o.meta.rows.flatMap((r) =>
      r.knobSettings.map((k, i) => ({
        meta_generation: r.metaGeneration,
        setting: i,
        mutation_rate: k.mutationRate,
        mutation_strength: k.mutationStrength,
        tournament: k.tournamentSize,
        credit_of_bred: r.knobCredit[i] ?? NaN,
      }))
    ),
  }];
}

/** The result tables, in report order. */
export function evolveTables(o: EvolveOutcome): NonNullable<ExperimentResult["tables"]> {
  const c = o.config;
  return [
    ...(o.meta.rows.length ? [metaGenerationTable(o)] : []),
    ...heldOutTables(o),
    claimsTable(o),
    {
      title:
        `Held-out tasks: learned-on-training-tasks vs specialized-on-that-task strategy (${c.seeds} seeds, 95% CI)`,
      rows: o.specialized.map((r) => ({
        task: r.task,
        learned: fmt(r.learned),
        specialized: fmt(r.specialized),
        learned_over_specialized: fmt(r.ratio),
      })),
    },
    { title: "Learned universal strategy", rows: [genomeCells(o.meta.learned)] },
    ...trainedTables(o),
    {
      title: "Held-out specialized strategies (one meta-run per task)",
      rows: o.specialized.map((r) => ({ task: r.task, ...genomeCells(r.genome) })),
    },
  ];
}

/** The "Method" section. */
export function evolveMethod(c: EvolveConfig): string {
  const spec = specializedBudget(c);
  return `Level 1: every genome evolves segments of ${c.modelsPerSegment} models (selection, ` +
    `crossover, mutation, elitism, fitness sharing and statistics in kernels; the CPU backend runs ` +
    `their twins), ${c.generations} generations per run. Level 2: ${c.populationSize} genomes, ` +
    `${c.metaGenerations} meta-generations on ${c.trainTasks.join(", ")} with ` +
    `${c.replicates} replicates per (genome, task); meta-fitness = ` +
    `${c.weights.convergence} convergence + ${c.weights.final} final + ${c.weights.efficiency} ` +
    `efficiency + ${c.weights.diversity} diversity + ${c.weights.robustness} robustness + ` +
    `${c.weights.compute} compute (normalized fitness: decades of objective reduction / 3 for ` +
    `objectives, relative minibatch-loss reduction for the MLP task). Level 3: a population ` +
    `of 4 meta-knob settings (meta mutation rate, strength, tournament size) each breeds a ` +
    `share of the offspring; a setting's fitness is its offspring's mean meta-fitness gain ` +
    `over their better parent, and settings are selected, crossed and mutated (log space) ` +
    `like genomes. Genomes scored together on a (task, replicate) share its initial ` +
    `population and its selection, breeding and minibatch random streams (common random ` +
    `numbers), so equal genomes score alike; the attribution scores every ablated variant ` +
    `with the learned genome that way over ${c.attributionSeeds} seeds and pairs the deltas ` +
    `per seed. Specialized comparison: a ${spec.population}-genome, ` +
    `${spec.metaGenerations}-meta-generation run on each held-out task alone ` +
    `(by default the universal run's meta-budget). Held-out tasks ` +
    `(${c.heldOutTasks.join(", ")}) are never seen by the meta level; the learned universal ` +
    `best and the hand-designed GA run there from the same initial populations over ` +
    `${c.seeds} seeds. Backend setting: ${c.backend} (auto, the default: the device when a WebGPU ` +
    `adapter exists, running whole generations, memetic train steps included, per queue ` +
    `submit; else the CPU twins). The device and the twins sum in different orders, so their ` +
    `runs, and the genome they learn, differ.`;
}

function metaPlots(o: EvolveOutcome): NonNullable<ExperimentResult["plots"]> {
  const rows = o.meta.rows;
  const x = rows.map((r) => r.metaGeneration);
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.frequencies)))].sort();
  return {
    meta_fitness: {
      kind: "curves",
      title: "Meta-fitness by meta-generation (mean with 95% CI band over genomes; best)",
      xLabel: "meta-generation",
      yLabel: "meta-fitness",
      series: [
        {
          name: "mean",
          x,
          mean: rows.map((r) => r.mean),
          low: rows.map((r) => r.ci95Low),
          high: rows.map((r) => r.ci95High),
        },
        { name: "best", x, mean: rows.map((r) => r.best) },
      ],
    },
    gene_frequencies: {
      kind: "xy",
      title: "Strategy-gene frequencies by meta-generation",
      xLabel: "meta-generation",
      yLabel: "fraction of genomes",
      series: keys.filter((k) => !k.startsWith("lrSchedule")).map((k) => ({
        name: k,
        x,
        y: rows.map((r) => r.frequencies[k] ?? 0),
      })),
    },
    meta_knobs: {
      kind: "xy",
      title: "Level 3: the meta level's own knobs (mean of the knob population; best-credited)",
      xLabel: "meta-generation",
      yLabel: "value",
      series: [
        { name: "mutation rate", x, y: rows.map((r) => r.mutationRate) },
        { name: "mutation strength", x, y: rows.map((r) => r.mutationStrength) },
        { name: "tournament / 10", x, y: rows.map((r) => r.tournamentSize / 10) },
        { name: "best-credited rate", x, y: rows.map((r) => r.bestKnobs.mutationRate) },
        { name: "best-credited strength", x, y: rows.map((r) => r.bestKnobs.mutationStrength) },
      ],
    },
  };
}

/** The plots by file name. */
export function evolvePlots(o: EvolveOutcome): NonNullable<ExperimentResult["plots"]> {
  const { lS, bS, learned: L, baseline: B } = o.heldOut;
  const plots: NonNullable<ExperimentResult["plots"]> = o.meta.rows.length ? metaPlots(o) : {};
  plots.held_out = {
    kind: "bars",
    title: "Held-out meta-fitness (95% CI over seeds)",
    yLabel: "meta-fitness",
    bars: [
      { label: "learned", value: lS.mean, low: lS.ci95Low, high: lS.ci95High },
      { label: "baseline GA", value: bS.mean, low: bS.ci95Low, high: bS.ci95High },
    ],
  };
  o.held.forEach((t, ti) => {
    plots[`held_out_curve_${ti}`] = {
      kind: "curves",
      title: `Held-out ${t.name}: normalized best fitness per generation (95% CI over seeds)`,
      xLabel: "generation",
      yLabel: "normalized fitness",
      series: [
        curveSeries("learned", aggregateCurves(L.curves[ti]!)),
        curveSeries("baseline GA", aggregateCurves(B.curves[ti]!)),
      ],
    };
  });
  if (o.attribution) {
    plots.attribution = {
      kind: "bars",
      title: "Attribution: meta-fitness lost when a gene group reverts to the baseline (95% CI)",
      yLabel: "delta meta-fitness",
      bars: o.attribution.rows.map((a) => ({
        label: a.group,
        value: a.delta.mean,
        low: a.delta.ci95Low,
        high: a.delta.ci95High,
      })),
    };
  }
  return plots;
}
