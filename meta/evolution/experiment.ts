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
import { backendLabel, createBackend } from "../../learners/create_backend.ts";
import {
  EVOLVE_SCHEMA,
  type EvolveConfig,
  specializedBudget,
  TASK_LIBRARY,
} from "./evolve_config.ts";
import {
  attributionPhase,
  type BaseOptions,
  evalsToTarget,
  heldOutPhase,
  metaPhase,
  specializedPhase,
} from "./evolve_phases.ts";
import {
  evolveMethod,
  type EvolveOutcome,
  evolvePlots,
  evolveSummary,
  evolveTables,
} from "./evolve_report.ts";
import { type Baselines, type BaselinesOptions, baselinesPhase } from "./baselines_phase.ts";
import { acrossRuns, addMetaRuns, furtherRun, mainRun, type MetaRun } from "./meta_runs.ts";
import type { MetaTask } from "./meta_task.ts";
import { addBaselines } from "./baselines_report.ts";
import { addParetoFront } from "./pareto_report.ts";
import type { StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import { addRunStats, emptyRunStats, hasPartRunner } from "./score_genomes.ts";
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
  const spec = await ck.phase(
    "specialized",
    () => specializedPhase(backend, meta.learned, held, { ...seeded, ...specializedBudget(c) }),
  );
  const baselines = await baselinesOf(ctx, backend, meta.learned);
  const runs = await metaRuns(
    ctx,
    backend,
    ck,
    mainRun(ctx.seed, meta.learned, heldOut, baselines),
    { train, held, base },
  );
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
  const further = runs.slice(1).map((r) => r.stats);
  for (const s of [meta.stats, attribution?.stats, heldOut.stats, spec.stats, ...further]) {
    if (s) addRunStats(total, s);
  }
  ctx.log(
    `held-out meta-fitness: learned ${fmt(heldOut.lS)} vs baseline ${fmt(heldOut.bS)} (${
      heldOut.improvementPct.toFixed(1)
    }%)`,
  );
  const outcome: EvolveOutcome = {
    config: c,
    // Under --cluster the genomes' scoring parts ran on the workers' backends.
    backend: backendLabel(backend) + (hasPartRunner() ? " + cluster jobs" : ""),
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
    metaRuns: runs.length > 1 ? acrossRuns(runs) : undefined,
  };
  return evolveResult(outcome, baselines, runs);
}

/** The report of an outcome: its own parts, the baselines', the Pareto front's and the runs'. */
function evolveResult(
  o: EvolveOutcome,
  baselines: Baselines | undefined,
  runs: readonly MetaRun[],
): ExperimentResult {
  const withBaselines = addBaselines(
    {
      title: "Meta-evolution of evolution strategies",
      summary: evolveSummary(o),
      tables: evolveTables(o),
      plots: evolvePlots(o),
      sections: [{ title: "Method", body: evolveMethod(o.config) }],
    },
    baselines,
    o.meta.learned,
    o.config,
  );
  const front = addParetoFront(withBaselines, o.meta.trained, o.config.metaSelection);
  return o.metaRuns ? addMetaRuns(front, runs, o.metaRuns) : front;
}

/** Run 0 (the main run), then the further independent meta-evolutions (phases `meta-run-k`). */
async function metaRuns(
  ctx: RunContext<EvolveConfig, StrategiesFile | undefined>,
  backend: Backend,
  ck: PhaseCheckpoints,
  main: MetaRun,
  t: { train: readonly MetaTask[]; held: readonly MetaTask[]; base: BaseOptions },
): Promise<MetaRun[]> {
  const c = ctx.config;
  const runs = [main];
  // None when the strategy was loaded from a file.
  const options = { config: c, base: t.base, seed: ctx.seed, bbob: bbobOptions(c, ctx.seed) };
  for (let k = 1; k < (c.strategies ? 1 : c.metaSeeds); k++) {
    const run = await ck.phase(
      `meta-run-${k}`,
      () => furtherRun(backend, t.train, t.held, k, options),
    );
    ctx.log(
      `meta-evolution run ${k} (seed ${run.metaSeed}): learned ${fmt(run.learnedFitness)} vs ` +
        `baseline ${fmt(run.baselineFitness)} on the held-out tasks (${
          run.improvementPct.toFixed(1)
        }%)`,
    );
    runs.push(run);
  }
  return runs;
}

/** The BBOB comparison's options (undefined when `bbobFunctions` is empty). */
function bbobOptions(c: EvolveConfig, seed: number): BaselinesOptions | undefined {
  if (!c.bbobFunctions.length) return undefined;
  return {
    functions: c.bbobFunctions,
    dims: c.bbobDims,
    seeds: c.seeds,
    seed,
    modelsPerSegment: c.modelsPerSegment,
    generations: c.bbobGenerations ?? c.generations,
    initScale: 2,
  };
}

/** The baselines phase on the held-out BBOB suite (none when `bbobFunctions` is empty). */
async function baselinesOf(
  ctx: RunContext<EvolveConfig, StrategiesFile | undefined>,
  backend: Backend,
  learned: StrategyGenome,
): Promise<Baselines | undefined> {
  const o = bbobOptions(ctx.config, ctx.seed);
  if (!o) return undefined;
  const b = await baselinesPhase(backend, learned, o);
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
      metaSeeds: 2,
    },
    full: {
      populationSize: 16,
      // Twice the default scale's 60 (its budget study: 120 still gained a little there).
      metaGenerations: 120,
      modelsPerSegment: 16,
      generations: 50,
      replicates: 3,
      seeds: 10,
      attributionSeeds: 20,
      trainTasks: ["sphere-8", "rastrigin-8", "rosenbrock-6", "ackley-8", "mlp-4way"],
      heldOutTasks: ["sphere-8b", "rastrigin-6b", "rosenbrock-8b", "mlp-4way-b"],
      bbobDims: [2, 10, 40],
    },
  },
  // The row's key is "best" (the best meta-fitness of the generation): "best best" read badly.
  progress: { metric: "best", label: "meta-fitness", goal: "max", unit: "meta-generation" },
  steps: (c: EvolveConfig) => c.metaGenerations,
  // A strategies file is read and checked before the run folder exists.
  prepare: (c: EvolveConfig) =>
    c.strategies === undefined
      ? Promise.resolve(undefined)
      : readStrategiesFile(c.strategies, { modelsPerSegment: c.modelsPerSegment }),
  run: runEvolve,
});
