/**
 * The from-scratch baseline: a learner trained from a fresh init per episode (He, weights scaled
 * by an init scale) on the episode's support set with SGD. Its learning rate, init scale and step
 * count are chosen on meta-validation episodes from a grid (`lrs` x `initScales` x 1..maxSteps),
 * the grid stated in the report. `bestOfCurves` is the choice rule shared with the pretrained
 * baseline's head.
 * @module
 */
import { mean } from "../../core/stats.ts";
import type { EpisodePool } from "./episode_pool.ts";
import type { AdaptCurve, InnerLoop } from "./inner_loop.ts";
import { type FewShotMetric, metricPart, metricScore } from "./metric.ts";

/** A tuned (learning rate, init scale, step count) and its meta-validation score. */
export interface Tuned {
  /** Chosen learning rate. */
  lr: number;
  /** Chosen init scale (1 where there is none). */
  initScale: number;
  /** Chosen step count. */
  steps: number;
  /** Mean validation accuracy, or minus the mean validation loss, at the choice. */
  score: number;
}

/** Mean score after each step: accuracy, or minus the loss (non-finite counts as -Infinity). */
export function scoreCurve(c: AdaptCurve, metric: FewShotMetric): number[] {
  return metricPart(c, metric).map((a) => metricScore(mean(Array.from(a)), metric));
}

/** The best (curve, step >= minStep) of `curves` by `scoreCurve`; ties keep the first. */
export function bestOfCurves(
  curves: readonly AdaptCurve[],
  metric: FewShotMetric,
  minStep = 1,
): { index: number; steps: number; score: number } {
  let best = { index: 0, steps: minStep, score: -Infinity };
  curves.forEach((c, index) => {
    const row = scoreCurve(c, metric);
    for (let k = minStep; k < row.length; k++) {
      if (row[k]! > best.score) best = { index, steps: k, score: row[k]! };
    }
  });
  return best;
}

/** Weights of a fresh He init for P models from `seed`, scaled by `scale` (biases stay 0). */
export async function scaledInit(
  loop: InnerLoop,
  P: number,
  seed: number,
  scale: number,
): Promise<Float32Array<ArrayBuffer>> {
  const pop = loop.population(P);
  pop.init(seed);
  const params = Float32Array.from(await pop.readParams());
  const L = loop.layout;
  for (let p = 0; p < P; p++) {
    for (let l = 0; l < L.layers; l++) {
      for (let k = L.weightOffset[l]!; k < L.biasOffset[l]!; k++) {
        params[p * L.stride + k]! *= scale;
      }
    }
  }
  return params;
}

/** Query curve of the baseline on episodes `ids`: fresh init from `seed` scaled, SGD at `lr`. */
export async function baselineCurve(
  loop: InnerLoop,
  pool: EpisodePool,
  ids: Uint32Array,
  o: { lr: number; initScale: number; steps: number; seed: number },
): Promise<AdaptCurve> {
  const params = o.initScale === 1 ? null : await scaledInit(loop, ids.length, o.seed, o.initScale);
  return loop.curve(pool, ids, params, { lr: o.lr, steps: o.steps, seed: o.seed });
}

/** Grid-searches lr x init scale x steps on validation episodes `ids`. */
export async function tuneBaseline(
  loop: InnerLoop,
  pool: EpisodePool,
  ids: Uint32Array,
  o: {
    lrs: readonly number[];
    initScales: readonly number[];
    maxSteps: number;
    seed: number;
    metric: FewShotMetric;
  },
): Promise<Tuned> {
  const grid = o.initScales.flatMap((initScale) => o.lrs.map((lr) => ({ lr, initScale })));
  const curves: AdaptCurve[] = [];
  for (const g of grid) {
    curves.push(await baselineCurve(loop, pool, ids, { ...g, steps: o.maxSteps, seed: o.seed }));
  }
  const best = bestOfCurves(curves, o.metric);
  return { ...grid[best.index]!, steps: best.steps, score: best.score };
}
