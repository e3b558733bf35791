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
import { writeJsonAtomic } from "../../core/atomic.ts";
import type { Experiment, ExperimentResult, RunContext } from "../../core/experiment.ts";
import { registerExperiment } from "../../core/experiment.ts";
import { formatCi as fmt } from "../../core/format.ts";
import { mean } from "../../core/stats.ts";
import type { Backend } from "../../learners/backend.ts";
import { createBackend } from "../../learners/create_backend.ts";
import { EVOLVE_SCHEMA, type EvolveConfig, TASK_LIBRARY } from "./evolve_config.ts";
import {
  attributionPhase,
  evalsToTarget,
  heldOutPhase,
  metaPhase,
  specializedPhase,
} from "./evolve_phases.ts";
import { evolveMethod, evolvePlots, evolveSummary, evolveTables } from "./evolve_report.ts";
import { type Baselines, baselinesPhase } from "./baselines_phase.ts";
import { addBaselines } from "./baselines_report.ts";
import { addParetoFront } from "./pareto_report.ts";
import type { StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import { addRunStats, emptyRunStats } from "./score_genomes.ts";
import { exportStrategies, type StrategiesFile } from "./strategies_file.ts";
import { readStrategiesFile } from "./strategies_input.ts";
import { PhaseCheckpoints } from "../../core/phase_checkpoints.ts";

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
  const seeded = { ...base, seed: ctx.seed, seeds: c.seeds };
  // A checkpoint after every meta-generation and every phase (--resume loads finished phases).
  const ck = await PhaseCheckpoints.load(ctx);
  const meta = await ck.phase("meta", () => metaPhase(ctx, backend, train, base, ck));
  const attribution = await ck.phase(
    "attribution",
    () => attributionPhase(backend, meta, train, { ...seeded, seeds: c.attributionSeeds }),
  );
  const heldOut = await ck.phase(
    "heldOut",
    () => heldOutPhase(backend, meta.learned, held, seeded),
  );
  const spec = await ck.phase("specialized", () =>
    specializedPhase(backend, meta.learned, held, {
      ...seeded,
      population: c.specializedPopulation,
      metaGenerations: c.specializedGenerations,
    }));
  const baselines = await baselinesOf(ctx, backend, meta.learned);
  backend.destroy();
  const evalRows = evalsToTarget(held, heldOut, c.modelsPerSegment);
  const ratios = evalRows.map((r) => r.evals_ratio).filter(Number.isFinite);
  if (meta.trained) {
    await writeJsonAtomic(
      join(ctx.runDir, "strategies.json"),
      exportStrategies(meta.trained, train, { weights: c.weights, attribution: attribution?.rows }),
    );
  }
  const total = emptyRunStats();
  for (const s of [meta.stats, attribution?.stats, heldOut.stats, spec.stats]) {
    if (s) addRunStats(total, s);
  }
  ctx.log(
    `held-out meta-fitness: learned ${fmt(heldOut.lS)} vs baseline ${fmt(heldOut.bS)} (${
      heldOut.improvementPct.toFixed(1)
    }%)`,
  );
  const outcome = {
    config: c,
    backend: backend.kind,
    train,
    held,
    meta,
    attribution,
    heldOut,
    specialized: spec.rows,
    specRatio: spec.ratio,
    evalRows,
    evalReductionPct: ratios.length ? 100 * (1 - mean(ratios)) : NaN,
    total,
  };
  const withBaselines = addBaselines(
    {
      title: "Meta-evolution of evolution strategies",
      summary: evolveSummary(outcome),
      tables: evolveTables(outcome),
      plots: evolvePlots(outcome),
      sections: [{ title: "Method", body: evolveMethod(c) }],
    },
    baselines,
    meta.learned,
    c,
  );
  return addParetoFront(withBaselines, meta.trained, c.metaSelection);
}

/** The baselines phase on the held-out BBOB suite (none when `bbobFunctions` is empty). */
async function baselinesOf(
  ctx: RunContext<EvolveConfig, StrategiesFile | undefined>,
  backend: Backend,
  learned: StrategyGenome,
): Promise<Baselines | undefined> {
  const c = ctx.config;
  if (!c.bbobFunctions.length) return undefined;
  const b = await baselinesPhase(backend, learned, {
    functions: c.bbobFunctions,
    dims: c.bbobDims,
    seeds: c.seeds,
    seed: ctx.seed,
    modelsPerSegment: c.modelsPerSegment,
    generations: c.generations,
    initScale: 2,
  });
  const ranks = b.groups.filter((g) => g.method === "learned")
    .map((g) => `${g.group} ${g.rank.mean.toFixed(2)}`).join(", ");
  ctx.log(`held-out BBOB, learned strategy's mean rank of 6 per group: ${ranks}`);
  return b;
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
      attributionSeeds: 2,
      specializedPopulation: 2,
      specializedGenerations: 1,
      trainTasks: ["sphere-8", "mlp-4way"],
      heldOutTasks: ["ackley-8", "mlp-4way-b"],
      bbobFunctions: [1, 10, 15, 24],
      bbobDims: [2],
    },
    full: {
      populationSize: 16,
      metaGenerations: 30,
      modelsPerSegment: 16,
      generations: 50,
      replicates: 3,
      seeds: 10,
      attributionSeeds: 20,
      specializedPopulation: 8,
      specializedGenerations: 6,
      trainTasks: ["sphere-8", "rastrigin-8", "rosenbrock-6", "ackley-8", "mlp-4way"],
      heldOutTasks: ["sphere-8b", "rastrigin-6b", "rosenbrock-8b", "mlp-4way-b"],
      bbobDims: [2, 10, 40],
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
