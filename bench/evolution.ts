/**
 * Benchmark of one meta-evolution generation: S = 16 strategies x M = 64 models evolved at once
 * (fitness, fitness shaping and statistics, selection, crossover, mutation), in generations per
 * second, with the GPU awaits and submits each generation costs.
 * @module
 */
import { setSubmitBatching } from "../core/submit_batch.ts";
import { formatFixed, formatRate } from "../core/format.ts";
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
import { printMetaGeneration } from "./evolve_metagen.ts";
import { runPythonPeer } from "./peers.ts";
import { WARMUP_SECONDS } from "./workloads.ts";

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
  fitness: EvolveBenchFitness;
  /** Parameters evolved per model. */
  dim: number;
  generationsPerSecond: number;
  awaitsPerGeneration: number;
  submitsPerGeneration: number;
}

/**
 * S random strategies (seeded) with every model active and `gradSteps` memetic train steps per
 * generation (0: a generation is exactly fitness + shaping + selection + crossover + mutation).
 */
function strategies(seed: number, gradSteps: number): StrategyGenome[] {
  const rng = new Rng(seed, 0);
  return Array.from({ length: EVOLVE_STRATEGIES }, () => ({
    ...randomGenome(rng),
    gradSteps,
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

/** Fitness of the evolution bench: objective, neural, or neural with MEMETIC_STEPS train steps. */
export type EvolveBenchFitness = "objective" | "neural" | "memetic";

/** Memetic train steps per generation of the "memetic" workload (plus the fitness probe step). */
export const MEMETIC_STEPS = 2;

/**
 * Times generations of the S x M workload on `backend` with objective or neural fitness: warms up
 * once (pipeline compile), then repeats runs of 32 generations until `minSeconds` have passed.
 */
export async function benchEvolution(
  backend: Backend,
  fitness: EvolveBenchFitness,
  minSeconds: number,
): Promise<EvolutionBenchRow> {
  const genomes = strategies(7, fitness === "memetic" ? MEMETIC_STEPS : 0);
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

/** The line of one evolution measurement. */
function evolutionLine(r: EvolutionBenchRow, label: string): string {
  const steps = r.fitness === "memetic" ? ` with ${MEMETIC_STEPS} memetic train steps` : "";
  return `evolution generation (${label}, ${r.fitness} fitness${steps}, ${EVOLVE_STRATEGIES} strategies x ${EVOLVE_MODELS} models, ${r.dim} parameters): ${
    formatRate(r.generationsPerSecond)
  } generations/s, ${formatFixed(r.awaitsPerGeneration, 3)} GPU awaits and ${
    formatFixed(r.submitsPerGeneration, 2)
  } submits per generation`;
}

/** What the PyTorch peer of the neural and memetic generations measured, or why it did not run. */
export type EvolvePeer =
  | { fitness: EvolveBenchFitness; generations_per_s: number; threads: number; blas: string }[]
  | string;

/**
 * The PyTorch peer (bench/peers_evolve.py) of the neural and memetic workloads: generations/s with
 * its BLAS and threads, or why it was skipped. Run before the engine's adapter exists.
 */
export async function benchEvolvePeer(seconds: number): Promise<EvolvePeer> {
  const out = await runPythonPeer("peers_evolve.py", [
    String(EVOLVE_STRATEGIES),
    String(EVOLVE_MODELS),
    String(seconds),
    String(WARMUP_SECONDS),
    String(MEMETIC_STEPS),
  ], "python3-torch python3-threadpoolctl libopenblas0-pthread");
  if (!out.ok) return out.error;
  return out.stdout.trim().split("\n").map((l) => JSON.parse(l));
}

/** The peer's line and the GPU path's ratio to it, for workload `fitness`. */
function peerLine(peer: EvolvePeer, fitness: EvolveBenchFitness, gpu: number): string | undefined {
  if (typeof peer === "string") return fitness === "neural" ? `  torch-cpu skipped: ${peer}` : "";
  const t = peer.find((r) => r.fitness === fitness);
  if (!t) return undefined;
  return `  ${fitness}: torch-cpu peer ${
    formatRate(t.generations_per_s)
  } generations/s (${t.threads} thr, BLAS ${t.blas}): gpu/torch ${
    formatFixed(gpu / t.generations_per_s, 2)
  }x`;
}

/**
 * `bench --evolve`: objective, neural and memetic generations on each backend. On the GPU the
 * memetic workload also runs with submit batching off (each command buffer submitted at once: the
 * batch sampling and the memetic pass of every generation), alternating with it on, `repeat` times each,
 * in the same process; the ratios to the CPU twin, to the unbatched path and to the PyTorch peer
 * (`peer`, measured before the adapter; bench/peers_evolve.py) are printed. Then one
 * evolve meta-generation at default scale on each backend (bench/evolve_metagen.ts).
 */
export async function printEvolution(
  backends: Backend[],
  seconds: number,
  repeat: number,
  peer: EvolvePeer = "not requested (--peers)",
): Promise<void> {
  for (const fitness of ["objective", "neural", "memetic"] as const) {
    const rates = new Map<string, number[]>();
    for (let r = 0; r < repeat; r++) {
      for (const backend of backends) {
        const modes = backend.kind === "gpu" && fitness === "memetic" ? [true, false] : [true];
        for (const batched of modes) {
          setSubmitBatching(batched);
          const row = await benchEvolution(backend, fitness, seconds).finally(() =>
            setSubmitBatching(true)
          );
          const label = `${row.backend}${
            batched ? "" : ", unbatched: one submit per command buffer"
          }`;
          console.log(evolutionLine(row, label));
          rates.set(label, [...(rates.get(label) ?? []), row.generationsPerSecond]);
        }
      }
    }
    const med = (k: string) => {
      const v = [...(rates.get(k) ?? [])].sort((a, b) => a - b);
      return v.length ? v[Math.floor((v.length - 1) / 2)]! : NaN;
    };
    const gpu = med("gpu");
    const ratios = [["cpu-twin", "CPU twin"], [
      "gpu, unbatched: one submit per command buffer",
      "unbatched GPU",
    ]]
      .filter(([k]) => rates.has(k!)).map(([k, name]) =>
        `${formatFixed(gpu / med(k!), 2)}x the ${name}`
      );
    if (rates.has("gpu") && ratios.length) {
      console.log(`  ${fitness}: gpu (median of ${repeat}) ${ratios.join(", ")}`);
    }
    const line = fitness === "objective" ? undefined : peerLine(peer, fitness, gpu);
    if (line) console.log(line);
  }
  // One whole evolve meta-generation at default scale, at least 3 rounds (bench/evolve_metagen.ts).
  await printMetaGeneration(backends, Math.max(3, repeat));
}
