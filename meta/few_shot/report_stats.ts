/**
 * Statistics of the `meta` experiment's report: for one setting and method, the test metric at
 * the method's step count pooled over seeds and episodes (95% CIs over episodes and over seed
 * means), steps to 80% accuracy, and the verdict rule that compares two methods by their CIs.
 * @module
 */
import { formatFixed } from "../../core/format.ts";
import { mean, summarize, type Summary } from "../../core/stats.ts";
import type { AdaptCurve } from "./inner_loop.ts";
import type { MethodOutcome } from "./setting_run.ts";

/** Per-episode inner step at which query accuracy first reaches 0.8 (-1 if never). */
export function stepsTo80(curve: AdaptCurve, episode: number): number {
  for (let k = 0; k < curve.accuracy.length; k++) if (curve.accuracy[k]![episode]! >= 0.8) return k;
  return -1;
}

/** One method's numbers in one setting. */
export interface MethodStats {
  /** Method name. */
  method: string;
  /** Metric (accuracy, or MSE for regression) over every test episode of every seed. */
  episodes: Summary;
  /** Metric over the seeds' means. */
  seeds: Summary;
  /** The metric of every test episode, the seeds in order (what `episodes` summarizes). */
  values: number[];
  /** Mean steps to 80% over the episodes that reach it (NaN if none). */
  stepsTo80: number;
  /** Share of episodes that reach 80% within the curve. */
  reached80: number;
  /** Step counts used, one per seed. */
  stepsUsed: number[];
}

/** The metric of `curve` after `k` steps (clamped to the curve's length) for each episode. */
export function metricAt(curve: AdaptCurve, k: number, regression: boolean): number[] {
  const rows = regression ? curve.loss : curve.accuracy;
  return Array.from(rows[Math.min(k, rows.length - 1)]!);
}

/**
 * Stats of `method` over its seeds' outcomes, read from `pick(o)` (test or cross-domain curve)
 * after each seed's step count, or after `atStep` steps when given.
 */
export function methodStats(
  method: string,
  os: readonly MethodOutcome[],
  regression: boolean,
  o: { pick?: (o: MethodOutcome) => AdaptCurve | null; atStep?: number } = {},
): MethodStats | null {
  const pick = o.pick ?? ((x: MethodOutcome) => x.curve);
  const perSeed: number[] = [];
  const all: number[] = [];
  const reach: number[] = [];
  for (const out of os) {
    const curve = pick(out);
    if (!curve) continue;
    const vals = metricAt(curve, o.atStep ?? out.stepsUsed, regression);
    perSeed.push(mean(vals));
    all.push(...vals);
    if (regression) continue;
    for (let e = 0; e < vals.length; e++) {
      const st = stepsTo80(curve, e);
      if (st >= 0) reach.push(st);
    }
  }
  if (all.length === 0) return null;
  return {
    method,
    episodes: summarize(all),
    seeds: summarize(perSeed),
    values: all,
    stepsTo80: reach.length ? mean(reach) : NaN,
    reached80: reach.length / all.length,
    stepsUsed: os.map((x) => x.stepsUsed),
  };
}

/** "a" beats "b" when its CI lies entirely on the better side of b's (higher, or lower for MSE). */
export function beats(a: Summary, b: Summary, lowerIsBetter: boolean): boolean {
  if (![a.ci95Low, a.ci95High, b.ci95Low, b.ci95High].every(Number.isFinite)) return false;
  return lowerIsBetter ? a.ci95High < b.ci95Low : a.ci95Low > b.ci95High;
}

/** The best of `stats` by mean (lowest for MSE), or null when empty. */
export function bestOf(stats: readonly MethodStats[], lowerIsBetter: boolean): MethodStats | null {
  let best: MethodStats | null = null;
  for (const s of stats) {
    const m = s.episodes.mean;
    if (!Number.isFinite(m)) continue;
    if (!best || (lowerIsBetter ? m < best.episodes.mean : m > best.episodes.mean)) best = s;
  }
  return best;
}

/** Formats a number with `d` decimals (default 1), "n/a" when not finite. */
export function fmt(v: number, d = 1): string {
  return formatFixed(v, d, "n/a");
}

/** "[low, high]" of a summary, scaled. */
export function ciText(s: Summary, scale = 1, d = 1): string {
  return `[${fmt(scale * s.ci95Low, d)}, ${fmt(scale * s.ci95High, d)}]`;
}
