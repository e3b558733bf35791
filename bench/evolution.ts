/**
 * Benchmark of one meta-evolution generation: S = 16 strategies x M = 64 models evolved at once
 * (fitness, fitness shaping and statistics, selection, crossover, mutation), in generations per
 * second, with the GPU awaits and submits each generation costs.
 * @module
 */
import { Rng } from "../core/rng.ts";
import type { Backend } from "../learners/backend.ts";
import {
  initialPoints,
  mlpBlocks,
  pointBlocks,
  runEvolution,
} from "../learners/evolution/evolution.ts";
import { randomGenome, type StrategyGenome } from "../learners/evolution/evolution_genome.ts";
import { createObjective } from "../learners/tasks/objectives.ts";
import { syntheticData } from "./workloads.ts";

/** Strategies (segments) of the benchmarked generation. */
export const EVOLVE_STRATEGIES = 16;
/** Models per strategy. */
export const EVOLVE_MODELS = 64;
/** Generations per timed run (the history is read back every 16). */
const GENERATIONS = 32;

/** One measurement of the generation workload. */
export interface EvolutionBenchRow {
  backend: string;
  /** "objective" (Rastrigin, 32 dimensions) or "neural" (MLP 16-16-5 on its training batch). */
  fitness: "objective" | "neural";
  /** Parameters evolved per model. */
  dim: number;
  generationsPerSecond: number;
  awaitsPerGeneration: number;
  submitsPerGeneration: number;
}

/**
 * S random strategies (seeded) with every model active and no gradient steps, so that a
 * generation is exactly fitness + shaping + selection + crossover + mutation.
 */
function strategies(seed: number): StrategyGenome[] {
  const rng = new Rng(seed, 0);
  return Array.from({ length: EVOLVE_STRATEGIES }, () => ({
    ...randomGenome(rng),
    gradSteps: 0,
    populationSize: EVOLVE_MODELS,
  }));
}

/** One timed unit: a run of GENERATIONS generations from `seed`, its parameter count, cleanup. */
interface EvolutionRunner {
  once: (seed: number) => Promise<{ awaits: number; submits: number }>;
  dim: number;
  cleanup: () => void;
}

/** Runs on points of a shifted 32-dimensional Rastrigin objective. */
function objectiveRunner(backend: Backend, genomes: StrategyGenome[]): EvolutionRunner {
  const dim = 32;
  const obj = createObjective("rastrigin", dim, { seed: 0, task: 0 });
  const streams = genomes.map((_, s) => s);
  const once = (seed: number) =>
    runEvolution(
      backend,
      {
        genomes,
        modelsPerSegment: EVOLVE_MODELS,
        generations: GENERATIONS,
        seed,
        blocks: pointBlocks(dim, 2),
      },
      { kind: "objective", objectives: [obj], segTask: genomes.map(() => 0) },
      initialPoints(streams, EVOLVE_MODELS, dim, Math.ceil(dim / 4) * 4, { seed, initScale: 2 }),
    );
  return { once, dim, cleanup: () => {} };
}

/** Runs on MLPs (16-16-5) with minibatch-loss fitness on a synthetic data set. */
function neuralRunner(backend: Backend, genomes: StrategyGenome[]): EvolutionRunner {
  const P = EVOLVE_STRATEGIES * EVOLVE_MODELS;
  const ds = syntheticData(16, 5, 2048, 3);
  const data = backend.uploadDataset(ds);
  const pop = backend.createPopulation({ size: P, widths: [16, 16, 5], batchSize: 16 });
  const ranges = new Uint32Array(2 * P);
  for (let p = 0; p < P; p++) ranges[2 * p + 1] = ds.count;
  const once = (seed: number) => {
    pop.init(seed);
    pop.setKnobs({ lr: 0 });
    return runEvolution(backend, {
      genomes,
      modelsPerSegment: EVOLVE_MODELS,
      generations: GENERATIONS,
      seed,
      blocks: mlpBlocks(pop.layout),
    }, { kind: "neural", population: pop, data, ranges });
  };
  return {
    once,
    dim: pop.layout.paramCount,
    cleanup: () => {
      pop.destroy();
      data.destroy();
    },
  };
}

/**
 * Times generations of the S x M workload on `backend` with objective or neural fitness: warms up
 * once (pipeline compile), then repeats runs of 32 generations until `minSeconds` have passed.
 */
export async function benchEvolution(
  backend: Backend,
  fitness: "objective" | "neural",
  minSeconds: number,
): Promise<EvolutionBenchRow> {
  const genomes = strategies(7);
  const { once, dim, cleanup } = fitness === "objective"
    ? objectiveRunner(backend, genomes)
    : neuralRunner(backend, genomes);
  await once(0);
  let n = 0;
  let awaits = 0;
  let submits = 0;
  const t0 = performance.now();
  let seconds = 0;
  while (seconds < minSeconds) {
    const r = await once(++n);
    awaits += r.awaits;
    submits += r.submits;
    seconds = (performance.now() - t0) / 1000;
  }
  cleanup();
  const generations = n * GENERATIONS;
  return {
    backend: backend.kind === "gpu" ? "gpu" : "cpu-twin",
    fitness,
    dim,
    generationsPerSecond: generations / seconds,
    awaitsPerGeneration: awaits / generations,
    submitsPerGeneration: submits / generations,
  };
}
