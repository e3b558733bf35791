/**
 * The baseline: a learner trained from scratch (He/Xavier init, a fresh one per episode) on each
 * episode's support set with SGD. Its learning rate and step count are chosen on meta-training
 * episodes from a grid (`lrs` x 1..maxSteps), the tuning budget stated in the report.
 * @module
 */
import { mean } from "../../core/stats.ts";
import type { EpisodePool } from "./episode_pool.ts";
import type { AdaptCurve, InnerLoop } from "./inner_loop.ts";

/** The tuned baseline setting and the grid it came from. */
export interface BaselineTuning {
  /** Chosen learning rate. */
  lr: number;
  /** Chosen step count (1..maxSteps). */
  steps: number;
  /** Mean tuning-episode query accuracy (or minus the query loss for metric "loss") at the choice. */
  accuracy: number;
  /** Grid: score[lrIndex][step] (step 0..maxSteps). */
  grid: number[][];
}

/** Grid-searches lr x steps on tuning episodes `ids` (one curve per lr: lrs.length*(maxSteps+2) reads). */
export async function tuneBaseline(
  loop: InnerLoop,
  pool: EpisodePool,
  ids: Uint32Array,
  options: { lrs: readonly number[]; maxSteps: number; seed: number; metric?: "accuracy" | "loss" },
): Promise<BaselineTuning> {
  let best: BaselineTuning = { lr: options.lrs[0]!, steps: 1, accuracy: -Infinity, grid: [] };
  const grid: number[][] = [];
  for (const lr of options.lrs) {
    const c = await loop.curve(pool, ids, null, {
      lr,
      steps: options.maxSteps,
      seed: options.seed,
    });
    const byLoss = options.metric === "loss";
    const row = (byLoss ? c.loss : c.accuracy).map((a) => {
      const m = mean(Array.from(a));
      return byLoss ? (Number.isFinite(m) ? -m : -Infinity) : m;
    });
    grid.push(row);
    for (let k = 1; k < row.length; k++) {
      if (row[k]! > best.accuracy) {
        best = { lr, steps: k, accuracy: row[k]!, grid };
      }
    }
  }
  return { ...best, grid };
}

/** Query curve of the baseline on episodes `ids`: fresh init from `seed`, SGD at `lr`. */
export function evaluateBaseline(
  loop: InnerLoop,
  pool: EpisodePool,
  ids: Uint32Array,
  options: { lr: number; steps: number; seed: number },
): Promise<AdaptCurve> {
  return loop.curve(pool, ids, null, options);
}
