/**
 * The meta-objectives of one genome on one task, from its base-evolution curves: convergence
 * speed, final fitness, sample efficiency, diversity, robustness across replicates and
 * computational efficiency, combined by weights (default the seed's 0.3 / 0.4 / 0.2 / 0.05 / 0.03
 * / 0.02).
 * @module
 */
import { mean, std } from "../../core/stats.ts";
import { HIST } from "../../learners/evolution/evolution_cpu.ts";
import { HISTORY } from "../../learners/evolution/evolution_rows.ts";
import { activeCount, type StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import type { MetaTask } from "./meta_task.ts";

/** The six meta-objectives (each defined on `TaskScore`). */
export type MetaObjective =
  | "convergence"
  | "final"
  | "efficiency"
  | "diversity"
  | "robustness"
  | "compute";

/**
 * Weights of the meta-objectives (defaults `DEFAULT_META_WEIGHTS`: convergence speed 0.3, final
 * normalized fitness 0.4, sample efficiency 0.2, diversity 0.05, robustness 0.03, compute 0.02).
 */
export type MetaWeights = Record<MetaObjective, number>;

/** The seed's weights: 0.3 / 0.4 / 0.2 / 0.05 / 0.03 / 0.02. */
export const DEFAULT_META_WEIGHTS: Readonly<MetaWeights> = Object.freeze({
  convergence: 0.3,
  final: 0.4,
  efficiency: 0.2,
  diversity: 0.05,
  robustness: 0.03,
  compute: 0.02,
});

/** Meta-objectives of one genome on one task (means over replicates; all in [0, 1]). */
export interface TaskScore {
  /** Convergence speed: 1 - (first generation reaching 90% of the final value) / (generations - 1). */
  convergence: number;
  /** Normalized best fitness at the last generation. */
  final: number;
  /** Sample efficiency: mean normalized best fitness over all generations. */
  efficiency: number;
  /** Mean population diversity d mapped to d / (1 + d). */
  diversity: number;
  /** Robustness across replicates: max(0, 1 - 2 * std of the final values); 1 for one replicate. */
  robustness: number;
  /**
   * Computational efficiency: (1 - active / (2 M)) with active = min(populationSize, M) models
   * evaluated per generation (all M: 0.5), times 1 / (1 + gradSteps) on neural and data-set tasks.
   */
  compute: number;
  /** Weighted sum. */
  metaFitness: number;
  /** Quarantined model-generations (diverged) summed over the run. */
  diverged: number;
  /** Mean normalized fitness per generation (over replicates). */
  curve: number[];
}

/** A genome's score on a task set. */
export interface GenomeScore {
  /** Mean meta-fitness over tasks. */
  metaFitness: number;
  /** Per task, in task-set order. */
  tasks: TaskScore[];
}

/** One base-evolution run of one segment: best fitness and diversity per generation. */
export interface SegmentRun {
  /** Best fitness per generation. */
  best: number[];
  /** Population diversity per generation. */
  diversity: number[];
  /** Quarantined model-generations summed over the run. */
  diverged: number;
}

/** Normalized fitness curve q_t in [0, 1] from raw fitness values (fitness = -value). */
function normalize(task: MetaTask, best: number[]): number[] {
  const v = best.map((f) => (f < -1e37 ? Infinity : -f));
  const v0 = v[0]!;
  if (!Number.isFinite(v0) || v0 <= 0) return v.map(() => 0);
  if (task.kind === "objective" || task.kind === "user_objective") {
    const dec = task.decades ?? 3;
    return v.map((x) =>
      Number.isFinite(x) ? Math.min(1, Math.max(0, Math.log10(v0 / Math.max(x, 1e-12)) / dec)) : 0
    );
  }
  return v.map((x) => (Number.isFinite(x) ? Math.min(1, Math.max(0, (v0 - x) / v0)) : 0));
}

/** Scores the replicate runs of one genome on one task (all meta-objectives and their weighted sum). */
export function scoreCurves(
  task: MetaTask,
  genome: StrategyGenome,
  runs: SegmentRun[],
  w: MetaWeights,
  m: number,
): TaskScore {
  const G = runs[0]!.best.length;
  const per = runs.map((r) => {
    const q = normalize(task, r.best);
    const final = q[G - 1]!;
    let t90 = G - 1;
    for (let t = 0; t < G; t++) {
      if (q[t]! >= 0.9 * final) {
        t90 = t;
        break;
      }
    }
    return {
      q,
      final,
      convergence: final > 0 ? 1 - t90 / Math.max(1, G - 1) : 0,
      efficiency: mean(q),
      diversity: mean(r.diversity.map((d) => d / (1 + d))),
      diverged: r.diverged,
    };
  });
  const finals = per.map((p) => p.final);
  const s: TaskScore = {
    convergence: mean(per.map((p) => p.convergence)),
    final: mean(finals),
    efficiency: mean(per.map((p) => p.efficiency)),
    diversity: mean(per.map((p) => p.diversity)),
    robustness: finals.length > 1 ? Math.max(0, 1 - 2 * std(finals)) : 1,
    compute: (1 - activeCount(genome, m) / (2 * m)) *
      (task.kind === "neural" || task.kind === "dataset" ? 1 / (1 + genome.gradSteps) : 1),
    metaFitness: 0,
    diverged: per.reduce((a, p) => a + p.diverged, 0),
    curve: Array.from({ length: G }, (_, t) => mean(per.map((p) => p.q[t]!))),
  };
  s.metaFitness = w.convergence * s.convergence + w.final * s.final +
    w.efficiency * s.efficiency + w.diversity * s.diversity + w.robustness * s.robustness +
    w.compute * s.compute;
  return s;
}

/** Segment `s`'s run out of the (G, S, HIST) statistics history of `S` segments. */
export function segmentRun(history: Float32Array, S: number, s: number, G: number): SegmentRun {
  const best: number[] = [];
  const diversity: number[] = [];
  let diverged = 0;
  for (let g = 0; g < G; g++) {
    const h = (g * S + s) * HIST;
    best.push(history[h + HISTORY.best]!);
    diversity.push(history[h + HISTORY.diversity]!);
    diverged += history[h + HISTORY.diverged]!;
  }
  return { best, diversity, diverged };
}
