/**
 * Benchmark of one evolve meta-generation at default scale: the default config's meta-population
 * (the baseline genome and random genomes, as `metaTrain` starts) scored on the default training
 * tasks with the default sizes (`scoreGenomes`: the objective tasks in one run, each neural task
 * in its own), on the GPU path and on the CPU twin, with the same genomes and seeds, alternating,
 * `repeat` times; prints seconds, GPU awaits and submits per meta-generation, the ratio and the
 * load average. Run alone: `deno run -A bench/evolve_metagen.ts [repeat] [gpu|cpu|both]`.
 * @module
 */
import { formatFixed } from "../core/format.ts";
import { deriveSeed, Rng } from "../core/rng.ts";
import type { Backend } from "../learners/backend.ts";
import { CpuBackend } from "../learners/cpu_backend.ts";
import { createBackend } from "../learners/create_backend.ts";
import {
  BASELINE_GENOME,
  randomGenome,
  type StrategyGenome,
} from "../learners/evolution/evolution_genome.ts";
import { EVOLVE_SCHEMA, TASK_LIBRARY } from "../meta/evolution/evolve_config.ts";
import { type RunStats, scoreGenomes } from "../meta/evolution/score_genomes.ts";
import { cpuClock, cpuSince, loadLine } from "./metatrain_profile.ts";

/** One timed meta-generation on one backend. */
export interface MetaGenerationTime {
  /** "gpu" or "cpu-twin". */
  backend: string;
  /** Wall-clock seconds. */
  seconds: number;
  /** CPU seconds of the whole process (on a software adapter: the device's threads included). */
  cpuSeconds: number;
  /** Statistics of its base-evolution runs (GPU awaits and submits). */
  stats: RunStats;
}

/** The default evolve config's meta-population of meta-generation 0 (run seed `seed`). */
function defaultGenomes(seed: number, S: number): StrategyGenome[] {
  const rng = new Rng(deriveSeed(seed, "meta"), 1);
  const pop: StrategyGenome[] = [{ ...BASELINE_GENOME }];
  while (pop.length < S) pop.push(randomGenome(rng));
  return pop;
}

/** Scores the default meta-population on the default training tasks once; seconds and stats. */
export async function timeMetaGeneration(
  backend: Backend,
  seed: number,
): Promise<MetaGenerationTime> {
  const c = EVOLVE_SCHEMA.parse({});
  const tasks = c.trainTasks.map((n) => TASK_LIBRARY[n]!);
  const genomes = defaultGenomes(1, c.populationSize);
  const t0 = performance.now();
  const cpu0 = cpuClock();
  const r = await scoreGenomes(backend, genomes, tasks, {
    modelsPerSegment: c.modelsPerSegment,
    generations: c.generations,
    replicates: c.replicates,
    weights: c.weights,
    readEvery: c.readEvery,
    seed: deriveSeed(1, `meta-gen-${seed}`) >>> 0,
  });
  return {
    backend: backend.kind === "gpu" ? "gpu" : "cpu-twin",
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: cpuSince(cpu0).processMs / 1000,
    stats: r.stats,
  };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;

/**
 * `bench --evolve`'s meta-generation rows: after one untimed warm-up each (pipeline compile),
 * `repeat` rounds of the GPU path then the CPU twin on the same genomes and seed (the seed changes
 * between rounds); per round the seconds, awaits and submits, then the median ratio.
 */
export async function printMetaGeneration(backends: Backend[], repeat: number): Promise<void> {
  const c = EVOLVE_SCHEMA.parse({});
  console.log(
    `\nevolve meta-generation at default scale (${c.populationSize} genomes x ${c.trainTasks.length} tasks [${
      c.trainTasks.join(", ")
    }], ${c.replicates} replicates, ${c.modelsPerSegment} models, ${c.generations} generations); ${loadLine()}`,
  );
  for (const b of backends) await timeMetaGeneration(b, 0);
  const secs = new Map<string, number[]>();
  const cpuSecs = new Map<string, number[]>();
  for (let r = 1; r <= repeat; r++) {
    for (const b of backends) {
      const t = await timeMetaGeneration(b, r);
      secs.set(t.backend, [...(secs.get(t.backend) ?? []), t.seconds]);
      cpuSecs.set(t.backend, [...(cpuSecs.get(t.backend) ?? []), t.cpuSeconds]);
      const gpu = t.backend === "gpu"
        ? `, ${t.stats.awaits} GPU awaits, ${t.stats.submits} submits, ${
          formatFixed(t.stats.submitSeconds, 2)
        } s encoding, ${formatFixed(t.stats.waitSeconds, 2)} s awaiting`
        : "";
      console.log(
        `  round ${r} ${t.backend}: ${formatFixed(t.seconds, 3)} s (CPU ${
          formatFixed(t.cpuSeconds, 3)
        } s)${gpu}`,
      );
    }
  }
  const [gpu, cpu] = [secs.get("gpu"), secs.get("cpu-twin")];
  const [gpuCpu, cpuCpu] = [cpuSecs.get("gpu"), cpuSecs.get("cpu-twin")];
  if (gpu && cpu && gpuCpu && cpuCpu) {
    console.log(
      `  median: gpu ${formatFixed(median(gpu), 3)} s, cpu-twin ${
        formatFixed(median(cpu), 3)
      } s: the GPU path is ${formatFixed(median(cpu) / median(gpu), 2)}x the CPU twin (${
        formatFixed(median(cpuCpu) / median(gpuCpu), 2)
      }x in CPU time; ${repeat} rounds); ${loadLine()}`,
    );
  }
}

if (import.meta.main) {
  // deno run -A bench/evolve_metagen.ts [repeat] [gpu|cpu|both]
  const repeat = Number(Deno.args[0] ?? 3);
  const which = Deno.args[1] ?? "both";
  const gpu = which === "cpu" ? undefined : await createBackend("gpu");
  if (gpu) console.log(gpu.describe());
  const cpu = which === "gpu" ? undefined : new CpuBackend();
  await printMetaGeneration([gpu, cpu].filter((b) => b !== undefined), repeat);
  gpu?.destroy();
}
