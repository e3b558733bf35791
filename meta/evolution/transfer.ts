/**
 * Transfer test: strategies run on (held-out) tasks over several seeds, from the same initial
 * populations.
 * @module
 */
import type { Backend } from "../../learners/backend.ts";
import type { StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import type { MetaTask } from "./meta_task.ts";
import { type RunStats, type ScoreOptions, scoreOverSeeds } from "./score_genomes.ts";

/** Per-seed results of one strategy on held-out tasks. */
export interface TransferResult {
  /** Mean meta-fitness over tasks, one per seed. */
  metaFitness: number[];
  /** Per task: final normalized fitness, one per seed. */
  final: number[][];
  /** Per task: mean normalized-fitness curve per seed. */
  curves: number[][][];
}

/** What `transferTest` returns. */
export interface Transfer {
  /** Per strategy, in input order. */
  results: TransferResult[];
  /** Statistics of the base-evolution runs made. */
  stats: RunStats;
}

/** Runs each strategy on `tasks` over `seeds` seeds (same initial populations for all). */
export async function transferTest(
  backend: Backend,
  strategies: readonly StrategyGenome[],
  tasks: readonly MetaTask[],
  o: ScoreOptions & { seeds: number },
): Promise<Transfer> {
  const out: TransferResult[] = strategies.map(() => ({
    metaFitness: [],
    final: tasks.map(() => []),
    curves: tasks.map(() => []),
  }));
  const stats = await scoreOverSeeds(
    backend,
    strategies,
    tasks,
    { ...o, label: "transfer" },
    (sc) =>
      sc.forEach((s, i) => {
        out[i]!.metaFitness.push(s.metaFitness);
        s.tasks.forEach((t, ti) => {
          out[i]!.final[ti]!.push(t.final);
          out[i]!.curves[ti]!.push(t.curve);
        });
      }),
  );
  return { results: out, stats };
}
