/**
 * The `evolve` experiment: meta-evolution of evolution strategies (seed "Recursive
 * Self-Improvement Engine"). Strategy genomes are meta-trained on a set of training tasks
 * (black-box objectives and a neural classification task); the universal best is attributed gene
 * group by gene group against the hand-designed baseline GA, exported to strategies.json, and
 * compared with the baseline on held-out tasks the meta level never saw, over several seeds with
 * 95% CIs, next to the seed's claims.
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { writeJsonAtomic } from "../core/atomic.ts";
import type { Experiment, ExperimentResult, RunContext } from "../core/experiment.ts";
import { registerExperiment } from "../core/experiment.ts";
import type { ConfigSchema } from "../core/config_schema.ts";
import { curveSeries } from "../core/plots.ts";
import type { MetricRow } from "../core/run_dir.ts";
import { aggregateCurves, mean, summarize } from "../core/stats.ts";
import { createBackend } from "../learners/create_backend.ts";
import { BASELINE_GENOME, type StrategyGenome } from "../learners/evolution/evolution_genome.ts";
import {
  attributeGenes,
  DEFAULT_META_WEIGHTS,
  exportStrategies,
  loadStrategies,
  type MetaGenerationRow,
  type MetaTask,
  metaTrain,
  RUN_STATS,
  type StrategiesFile,
  type TransferResult,
  transferTest,
} from "./meta_evolution.ts";
import { deriveSeed } from "../core/rng.ts";
import { readStrategiesFile } from "./strategies_input.ts";

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
  /** cpu (default: the CPU twins; see the Method section for why), gpu, or auto. */
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
  /** Seeds of the attribution and of the held-out comparison. */
  seeds: number;
  /** Meta-objective weights. */
  weights: {
    convergence: number;
    final: number;
    efficiency: number;
    diversity: number;
    robustness: number;
    compute: number;
  };
  /** Generations per GPU submit / history readback. */
  readEvery: number;
  /** Optional strategies.json to compare on the held-out tasks instead of meta-training. */
  strategies?: string;
  /** Meta-population of the specialized meta-run on each held-out task. */
  specializedPopulation: number;
  /** Meta-generations of the specialized meta-run on each held-out task. */
  specializedGenerations: number;
}

const taskName = z.string().refine((n) => n in TASK_LIBRARY, {
  message: `must be one of ${Object.keys(TASK_LIBRARY).join(", ")}`,
});

/** Config schema of the evolve experiment. */
export const EVOLVE_SCHEMA: ConfigSchema<EvolveConfig> = z.object({
  backend: z.enum(["auto", "gpu", "cpu"]).default("cpu"),
  populationSize: z.number().int().min(2).max(64).default(16),
  metaGenerations: z.number().int().min(1).max(200).default(10),
  modelsPerSegment: z.number().int().min(2).max(256).default(12),
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
  specializedPopulation: z.number().int().min(2).max(64).default(6),
  specializedGenerations: z.number().int().min(1).max(200).default(3),
});

function fmt(s: { mean: number; ci95Low: number; ci95High: number }, d = 3): string {
  return `${s.mean.toFixed(d)} [${s.ci95Low.toFixed(d)}, ${s.ci95High.toFixed(d)}]`;
}

async function runEvolve(
  ctx: RunContext<EvolveConfig, StrategiesFile | undefined>,
): Promise<ExperimentResult> {
  const c = ctx.config;
  const backend = await createBackend(c.backend, (l) => ctx.log(l));
  ctx.log(backend.describe());
  const train = c.trainTasks.map((n) => TASK_LIBRARY[n]!);
  const held = c.heldOutTasks.map((n) => TASK_LIBRARY[n]!);
  const base = {
    modelsPerSegment: c.modelsPerSegment,
    generations: c.generations,
    replicates: c.replicates,
    weights: c.weights,
    readEvery: c.readEvery,
  };
  const t0 = performance.now();
  const statsBefore = { ...RUN_STATS };
  const rows: MetaGenerationRow[] = [];
  let learned: StrategyGenome;
  let trained: Awaited<ReturnType<typeof metaTrain>> | undefined;
  if (c.strategies) {
    learned = (ctx.inputs ?? loadStrategies(await Deno.readTextFile(c.strategies)))
      .universalBest.genome;
    ctx.log(`loaded the universal best strategy from ${c.strategies}`);
  } else {
    trained = await metaTrain(backend, train, {
      ...base,
      seed: ctx.seed,
      populationSize: c.populationSize,
      metaGenerations: c.metaGenerations,
      onGeneration: async (r) => {
        rows.push(r);
        ctx.log(
          `meta-generation ${r.metaGeneration}: best ${r.best.toFixed(4)} mean ${
            r.mean.toFixed(4)
          } (${r.seconds.toFixed(1)} s)`,
        );
        await ctx.emit(metricRow(r));
      },
    });
    learned = trained.universalBest.genome;
  }
  const metaSeconds = (performance.now() - t0) / 1000;
  const meta = { ...RUN_STATS };
  // Attribution on the training tasks (skipped when the strategy was loaded).
  const attribution = trained
    ? await attributeGenes(backend, learned, train, { ...base, seed: ctx.seed, seeds: c.seeds })
    : undefined;
  // Held-out comparison: learned universal best vs the hand-designed baseline GA.
  const transfer = await transferTest(backend, [learned, { ...BASELINE_GENOME }], held, {
    ...base,
    replicates: 1,
    seed: deriveHeldSeed(ctx.seed),
    seeds: c.seeds,
  });
  // Learned-on-training-tasks vs specialized-on-that-task: a small meta-run on each held-out task
  // alone, then both strategies on that task from the same initial populations.
  const specialized = [];
  for (const [ti, t] of held.entries()) {
    const sp = await metaTrain(backend, [t], {
      ...base,
      replicates: 1,
      seed: deriveSeed(ctx.seed, `specialized-${ti}`) >>> 0,
      populationSize: c.specializedPopulation,
      metaGenerations: c.specializedGenerations,
    });
    const [tl, ts] = await transferTest(backend, [learned, sp.universalBest.genome], [t], {
      ...base,
      replicates: 1,
      seed: deriveHeldSeed(ctx.seed),
      seeds: c.seeds,
    }) as [TransferResult, TransferResult];
    specialized.push({
      task: t.name,
      genome: sp.universalBest.genome,
      learned: summarize(tl.metaFitness),
      specialized: summarize(ts.metaFitness),
      ratio: summarize(tl.metaFitness.map((v, k) => v / Math.max(1e-12, ts.metaFitness[k]!))),
    });
  }
  const specRatio = summarize(specialized.map((r) => r.ratio.mean));
  backend.destroy();
  const [L, B] = transfer as [typeof transfer[0], typeof transfer[0]];
  const diff = summarize(L.metaFitness.map((v, i) => v - B.metaFitness[i]!));
  const lS = summarize(L.metaFitness);
  const bS = summarize(B.metaFitness);
  const improvementPct = (100 * (lS.mean - bS.mean)) / Math.max(1e-12, bS.mean);
  // Evaluations to reach the baseline's mean final normalized fitness, per task and seed.
  const M = c.modelsPerSegment;
  const evalRows = held.map((t, ti) => {
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
      learned_final: fmt(summarize(L.final[ti]!)),
      baseline_final: fmt(summarize(B.final[ti]!)),
      target,
      learned_evals_to_target: lm,
      learned_reached: lr.filter(Number.isFinite).length,
      baseline_evals_to_target: bm,
      evals_ratio: lm / bm,
    };
  });
  const ratios = evalRows.map((r) => r.evals_ratio).filter(Number.isFinite);
  const evalReductionPct = ratios.length ? 100 * (1 - mean(ratios)) : NaN;
  // strategies.json
  const strategiesPath = join(ctx.runDir, "strategies.json");
  if (trained) {
    await writeJsonAtomic(
      strategiesPath,
      exportStrategies(trained, train, { weights: c.weights, attribution: attribution?.rows }),
    );
  }
  const total = { ...RUN_STATS };
  const awaitsPerGen = (total.awaits - statsBefore.awaits) /
    Math.max(1, total.generations - statsBefore.generations);
  ctx.log(
    `held-out meta-fitness: learned ${fmt(lS)} vs baseline ${fmt(bS)} (${
      improvementPct.toFixed(1)
    }%)`,
  );
  const tables: ExperimentResult["tables"] = [];
  if (rows.length) {
    tables.push({
      title: "Meta-fitness per meta-generation (mean and 95% CI over the meta-population)",
      rows: rows.map((r) => ({
        meta_generation: r.metaGeneration,
        best: r.best,
        mean: r.mean,
        ci95_low: r.ci95Low,
        ci95_high: r.ci95High,
        best_ever: r.bestEver,
        success_rate: r.successRate,
        meta_rate: r.mutationRate,
        meta_strength: r.mutationStrength,
        meta_tournament: r.tournamentSize,
        seconds: r.seconds,
      })),
    });
  }
  tables.push({
    title:
      `Held-out tasks: learned universal strategy vs hand-designed GA (${c.seeds} seeds, 95% CI)`,
    rows: [
      { strategy: "learned", meta_fitness: fmt(lS) },
      { strategy: "baseline GA", meta_fitness: fmt(bS) },
      { strategy: "difference (paired)", meta_fitness: fmt(diff) },
    ],
  });
  tables.push({
    title: "Held-out tasks: final normalized fitness and evaluations to target",
    rows: evalRows,
  });
  if (attribution) {
    tables.push({
      title:
        `Attribution on the training tasks: meta-fitness lost when a gene group reverts to the baseline (${c.seeds} seeds, 95% CI)`,
      rows: [
        { group: "(learned, unchanged)", meta_fitness_or_delta: fmt(attribution.best) },
        { group: "(baseline GA)", meta_fitness_or_delta: fmt(attribution.baseline) },
        ...attribution.rows.map((a) => ({ group: a.group, meta_fitness_or_delta: fmt(a.delta) })),
      ],
    });
  }
  tables.push({
    title: "Seed claims vs this run (held-out tasks)",
    rows: [
      {
        claim: "universal strategy beats hand-designed by 23%",
        measured: `${improvementPct.toFixed(1)}% (meta-fitness, paired diff ${fmt(diff)})`,
      },
      {
        claim: "40% fewer evaluations to target",
        measured: Number.isFinite(evalReductionPct)
          ? `${
            evalReductionPct.toFixed(1)
          }% fewer (mean over tasks where both reach the baseline's final level)`
          : "not measurable (targets not reached)",
      },
      {
        claim: "2.3x faster convergence",
        measured: Number.isFinite(evalReductionPct)
          ? `${
            (1 / Math.max(1e-9, 1 - evalReductionPct / 100)).toFixed(2)
          }x (inverse of the evaluations ratio)`
          : "not measurable",
      },
      {
        claim: "85% of specialized performance on unseen tasks",
        measured: `${(100 * specRatio.mean).toFixed(1)}% (mean over held-out tasks of learned / ` +
          `specialized meta-fitness; specialized: ${c.specializedPopulation} genomes x ` +
          `${c.specializedGenerations} meta-generations per task)`,
      },
    ],
  });
  tables.push({
    title:
      `Held-out tasks: learned-on-training-tasks vs specialized-on-that-task strategy (${c.seeds} seeds, 95% CI)`,
    rows: specialized.map((r) => ({
      task: r.task,
      learned: fmt(r.learned),
      specialized: fmt(r.specialized),
      learned_over_specialized: fmt(r.ratio),
    })),
  });
  tables.push({
    title: "Learned universal strategy",
    rows: [learned as unknown as Record<string, string | number>],
  });
  if (trained) {
    tables.push({
      title:
        "Per-task best genomes on the training tasks (task meta-fitness) and the universal best",
      rows: [
        ...trained.perTaskBest.map((e, i) => ({
          task: train[i]!.name,
          task_meta_fitness: e.score.tasks[i]!.metaFitness,
          ...genomeCells(e.genome),
        })),
        {
          task: "(universal best, mean over tasks)",
          task_meta_fitness: trained.universalBest.score.metaFitness,
          ...genomeCells(trained.universalBest.genome),
        },
      ],
    });
    tables.push({
      title: "Level 3: meta-knob settings (population after each meta-generation, credit = mean " +
        "offspring improvement over the better parent)",
      rows: rows.flatMap((r) =>
        r.knobSettings.map((k, i) => ({
          meta_generation: r.metaGeneration,
          setting: i,
          mutation_rate: k.mutationRate,
          mutation_strength: k.mutationStrength,
          tournament: k.tournamentSize,
          credit_of_bred: r.knobCredit[i] ?? NaN,
        }))
      ),
    });
  }
  tables.push({
    title: "Held-out specialized strategies (one small meta-run per task)",
    rows: specialized.map((r) => ({ task: r.task, ...genomeCells(r.genome) })),
  });
  const plots: ExperimentResult["plots"] = {};
  if (rows.length) {
    plots.meta_fitness = {
      kind: "curves",
      title: "Meta-fitness by meta-generation (mean with 95% CI band over genomes; best)",
      xLabel: "meta-generation",
      yLabel: "meta-fitness",
      series: [
        {
          name: "mean",
          x: rows.map((r) => r.metaGeneration),
          mean: rows.map((r) => r.mean),
          low: rows.map((r) => r.ci95Low),
          high: rows.map((r) => r.ci95High),
        },
        { name: "best", x: rows.map((r) => r.metaGeneration), mean: rows.map((r) => r.best) },
      ],
    };
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r.frequencies)))].sort();
    plots.gene_frequencies = {
      kind: "xy",
      title: "Strategy-gene frequencies by meta-generation",
      xLabel: "meta-generation",
      yLabel: "fraction of genomes",
      series: keys.filter((k) => !k.startsWith("lrSchedule")).map((k) => ({
        name: k,
        x: rows.map((r) => r.metaGeneration),
        y: rows.map((r) => r.frequencies[k] ?? 0),
      })),
    };
    plots.meta_knobs = {
      kind: "xy",
      title: "Level 3: the meta level's own knobs (mean of the knob population; best-credited)",
      xLabel: "meta-generation",
      yLabel: "value",
      series: [
        {
          name: "mutation rate",
          x: rows.map((r) => r.metaGeneration),
          y: rows.map((r) => r.mutationRate),
        },
        {
          name: "mutation strength",
          x: rows.map((r) => r.metaGeneration),
          y: rows.map((r) => r.mutationStrength),
        },
        {
          name: "tournament / 10",
          x: rows.map((r) => r.metaGeneration),
          y: rows.map((r) => r.tournamentSize / 10),
        },
        {
          name: "best-credited rate",
          x: rows.map((r) => r.metaGeneration),
          y: rows.map((r) => r.bestKnobs.mutationRate),
        },
        {
          name: "best-credited strength",
          x: rows.map((r) => r.metaGeneration),
          y: rows.map((r) => r.bestKnobs.mutationStrength),
        },
      ],
    };
  }
  plots.held_out = {
    kind: "bars",
    title: "Held-out meta-fitness (95% CI over seeds)",
    yLabel: "meta-fitness",
    bars: [
      { label: "learned", value: lS.mean, low: lS.ci95Low, high: lS.ci95High },
      { label: "baseline GA", value: bS.mean, low: bS.ci95Low, high: bS.ci95High },
    ],
  };
  held.forEach((t, ti) => {
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
  if (attribution) {
    plots.attribution = {
      kind: "bars",
      title: "Attribution: meta-fitness lost when a gene group reverts to the baseline (95% CI)",
      yLabel: "delta meta-fitness",
      bars: attribution.rows.map((a) => ({
        label: a.group,
        value: a.delta.mean,
        low: a.delta.ci95Low,
        high: a.delta.ci95High,
      })),
    };
  }
  return {
    title: "Meta-evolution of evolution strategies",
    summary: {
      backend: backend.kind,
      learned_meta_fitness: lS.mean,
      baseline_meta_fitness: bS.mean,
      improvement_pct: improvementPct,
      paired_diff_ci95_low: diff.ci95Low,
      paired_diff_ci95_high: diff.ci95High,
      eval_reduction_pct: evalReductionPct,
      initial_best_meta_fitness: trained?.initialBest.score.metaFitness ?? null,
      universal_best_meta_fitness: trained?.universalBest.score.metaFitness ?? null,
      meta_training_seconds: metaSeconds,
      seconds_per_meta_generation: rows.length ? metaSeconds / rows.length : null,
      base_generations: total.generations,
      gpu_awaits_per_generation: awaitsPerGen,
      meta_training_runs: meta.runs - statsBefore.runs,
      strategies_file: trained ? "strategies.json" : null,
      learned_over_specialized: specRatio.mean,
      meta_submit_seconds: meta.submitSeconds - statsBefore.submitSeconds,
      meta_wait_seconds: meta.waitSeconds - statsBefore.waitSeconds,
      meta_evolution_seconds: meta.seconds - statsBefore.seconds,
    },
    tables,
    plots,
    sections: [{
      title: "Method",
      body: `Level 1: every genome evolves segments of ${M} models (selection, crossover, ` +
        `mutation, elitism, fitness sharing and statistics in kernels; the CPU backend runs ` +
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
        `like genomes. Specialized comparison: a ${c.specializedPopulation}-genome, ` +
        `${c.specializedGenerations}-meta-generation run on each held-out task alone. Held-out tasks ` +
        `(${c.heldOutTasks.join(", ")}) are never seen by the meta level; the learned universal ` +
        `best and the hand-designed GA run there from the same initial populations over ` +
        `${c.seeds} seeds. The default backend is the CPU twins: on the software Vulkan adapter ` +
        `the memetic (gradient-step) path pays one queue submit per train step (about 20 ms ` +
        `each here), which makes it slower than the CPU for these tiny models.`,
    }],
  };
}

function genomeCells(g: StrategyGenome): Record<string, string | number> {
  return { ...g } as unknown as Record<string, string | number>;
}

function metricRow(r: MetaGenerationRow): MetricRow {
  return {
    metaGeneration: r.metaGeneration,
    best: r.best,
    mean: r.mean,
    ci95_low: r.ci95Low,
    ci95_high: r.ci95High,
    best_ever: r.bestEver,
    success_rate: r.successRate,
    meta_mutation_rate: r.mutationRate,
    meta_mutation_strength: r.mutationStrength,
    meta_tournament: r.tournamentSize,
    best_knob_rate: r.bestKnobs.mutationRate,
    best_knob_strength: r.bestKnobs.mutationStrength,
    best_knob_tournament: r.bestKnobs.tournamentSize,
    seconds: r.seconds,
  };
}

function deriveHeldSeed(seed: number): number {
  return (seed ^ 0x48e1d0) >>> 0;
}

/** The registered evolve experiment. */
export const EVOLVE: Experiment<EvolveConfig, StrategiesFile | undefined> = registerExperiment({
  name: "evolve",
  description:
    "Meta-evolution of evolution strategies: learned universal strategy vs a hand-designed GA on held-out tasks",
  schema: EVOLVE_SCHEMA,
  scales: {
    smoke: {
      populationSize: 4,
      metaGenerations: 2,
      modelsPerSegment: 6,
      generations: 5,
      replicates: 1,
      seeds: 2,
      specializedPopulation: 2,
      specializedGenerations: 1,
      trainTasks: ["sphere-8", "mlp-4way"],
      heldOutTasks: ["ackley-8", "mlp-4way-b"],
    },
    full: {
      populationSize: 16,
      metaGenerations: 30,
      modelsPerSegment: 16,
      generations: 50,
      replicates: 3,
      seeds: 10,
      specializedPopulation: 8,
      specializedGenerations: 6,
      trainTasks: ["sphere-8", "rastrigin-8", "rosenbrock-6", "ackley-8", "mlp-4way"],
      heldOutTasks: ["sphere-8b", "rastrigin-6b", "rosenbrock-8b", "mlp-4way-b"],
    },
  },
  progress: { metric: "best", goal: "max", unit: "meta-generation" },
  steps: (c: EvolveConfig) => c.metaGenerations,
  // A strategies file is read and checked before the run folder exists.
  prepare: (c: EvolveConfig) =>
    c.strategies === undefined
      ? Promise.resolve(undefined)
      : readStrategiesFile(c.strategies, { modelsPerSegment: c.modelsPerSegment }),
  run: runEvolve,
});
