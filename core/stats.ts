/**
 * Small statistics for reporting runs over several seeds: mean, sample standard deviation,
 * quantiles, a 95% confidence interval of the mean (Student t), and per-step aggregation of
 * many seeds' curves into a mean line with a confidence band.
 *
 * Conventions: an empty sample has mean NaN; a sample of one has std and CI bounds NaN (there
 * is no spread to estimate from one value). NaN inputs propagate, they are not dropped.
 * @module
 */

/** Two-sided 95% Student t critical values t(0.975, df) for df = 1..30. */
const T_975 = [
  12.7062047,
  4.3026527,
  3.1824463,
  2.7764451,
  2.5705818,
  2.4469119,
  2.3646243,
  2.3060041,
  2.2621572,
  2.2281389,
  2.2009852,
  2.1788128,
  2.1603687,
  2.1447867,
  2.1314495,
  2.1199053,
  2.1098155,
  2.1009220,
  2.0930241,
  2.0859634,
  2.0796138,
  2.0738731,
  2.0686576,
  2.0638986,
  2.0595386,
  2.0555294,
  2.0518305,
  2.0484071,
  2.0452296,
  2.0422725,
] as const;

/** The normal quantile z(0.975). */
const Z_975 = 1.959963984540054;

/** Summary of a sample: size, mean, sample std and the 95% confidence interval of the mean. */
export interface Summary {
  /** Number of values. */
  n: number;
  /** Arithmetic mean (NaN when n = 0). */
  mean: number;
  /** Sample standard deviation, divisor n - 1 (NaN when n < 2). */
  std: number;
  /** Lower bound of the 95% confidence interval of the mean (NaN when n < 2). */
  ci95Low: number;
  /** Upper bound of the 95% confidence interval of the mean (NaN when n < 2). */
  ci95High: number;
}

/** A mean curve with its 95% confidence band, one entry per x. */
export interface CurveBand {
  /** The x values (steps or generations), ascending. */
  x: number[];
  /** Mean over the curves at each x. */
  mean: number[];
  /** Lower bound of the 95% CI of the mean at each x (NaN where fewer than 2 values). */
  low: number[];
  /** Upper bound of the 95% CI of the mean at each x (NaN where fewer than 2 values). */
  high: number[];
  /** Number of curves that have a value at each x. */
  n: number[];
}

/** Arithmetic mean of `values` (NaN for an empty array). */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (divisor n - 1) of `values` (NaN when fewer than 2 values). */
export function std(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return Math.sqrt(ss / (n - 1));
}

/**
 * Two-sided 95% Student t critical value for `df` degrees of freedom: a table for df 1..30,
 * beyond it the Cornish-Fisher expansion around the normal quantile (error < 1e-5 at df 31,
 * tends to 1.96).
 */
export function tCritical95(df: number): number {
  if (!Number.isInteger(df) || df < 1) {
    throw new RangeError(
      `Cannot compute t critical value as df must be an integer >= 1: current value is ${df}`,
    );
  }
  if (df <= T_975.length) return T_975[df - 1]!;
  const z = Z_975;
  const z3 = z ** 3, z5 = z ** 5, z7 = z ** 7;
  const g1 = (z3 + z) / 4;
  const g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3;
}

/** 95% confidence interval of the mean of `values` as `[low, high]` (NaN bounds when n < 2). */
export function ci95(values: readonly number[]): [number, number] {
  const n = values.length;
  if (n < 2) return [NaN, NaN];
  const m = mean(values);
  const half = tCritical95(n - 1) * std(values) / Math.sqrt(n);
  return [m - half, m + half];
}

/**
 * 95% confidence interval of the ratio of means mean(num) / mean(den) over paired observations
 * (num[i] and den[i] measured on the same unit, e.g. the same test episode), by the delta method:
 * var = (s_nn - 2 R s_nd + R^2 s_dd) / (n mean(den)^2) with R the ratio and s the sample
 * (co)variances, and Student's t with n - 1 degrees of freedom. NaN bounds when n < 2, the arrays
 * differ in length, or mean(den) is 0.
 */
export function ratioCi95(num: readonly number[], den: readonly number[]): [number, number] {
  const n = num.length;
  if (n < 2 || den.length !== n) return [NaN, NaN];
  const mn = mean(num);
  const md = mean(den);
  if (md === 0) return [NaN, NaN];
  const r = mn / md;
  let snn = 0, snd = 0, sdd = 0;
  for (let i = 0; i < n; i++) {
    const a = num[i]! - mn;
    const b = den[i]! - md;
    snn += a * a;
    snd += a * b;
    sdd += b * b;
  }
  const v = Math.max(0, (snn - 2 * r * snd + r * r * sdd) / (n - 1)) / (n * md * md);
  const half = tCritical95(n - 1) * Math.sqrt(v);
  return [r - half, r + half];
}

/**
 * Quantile `q` in [0, 1] of `values` with linear interpolation between order statistics
 * (type 7, the default of R and NumPy). NaN for an empty array.
 */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) {
    throw new RangeError(
      `Cannot compute quantile as q must be >= 0 and <= 1: current value is ${q}`,
    );
  }
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (h - lo) * (b - a);
}

/** Median of `values` (NaN for an empty array). */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Size, mean, sample std and 95% CI of the mean of `values`. */
export function summarize(values: readonly number[]): Summary {
  const [ci95Low, ci95High] = ci95(values);
  return { n: values.length, mean: mean(values), std: std(values), ci95Low, ci95High };
}

function bandFromGroups(groups: Map<number, number[]>): CurveBand {
  const band: CurveBand = { x: [], mean: [], low: [], high: [], n: [] };
  for (const x of [...groups.keys()].sort((a, b) => a - b)) {
    const s = summarize(groups.get(x)!);
    band.x.push(x);
    band.mean.push(s.mean);
    band.low.push(s.ci95Low);
    band.high.push(s.ci95High);
    band.n.push(s.n);
  }
  return band;
}

/**
 * Aggregates many curves (one per seed, `curves[s][i]` = value at step `xs[i]`, default
 * `xs[i] = i`) into a mean curve with a 95% CI band. Curves may have different lengths: each
 * step uses the curves that reach it.
 */
export function aggregateCurves(
  curves: readonly (readonly number[])[],
  options: { x?: readonly number[] } = {},
): CurveBand {
  const groups = new Map<number, number[]>();
  for (const curve of curves) {
    if (options.x && curve.length > options.x.length) {
      throw new RangeError(
        `Cannot aggregate curves as a curve must be no longer than x (${options.x.length}): current length is ${curve.length}`,
      );
    }
    curve.forEach((v, i) => {
      const x = options.x ? options.x[i]! : i;
      const group = groups.get(x);
      if (group) group.push(v);
      else groups.set(x, [v]);
    });
  }
  return bandFromGroups(groups);
}

/**
 * Aggregates metric rows (for example the rows of several seeds in one metrics.csv) into a mean
 * curve of column `y` against column `x` with a 95% CI band. Rows without a numeric `x` or `y`
 * are skipped.
 */
export function aggregateRows(
  rows: readonly Readonly<Record<string, unknown>>[],
  x: string,
  y: string,
): CurveBand {
  const groups = new Map<number, number[]>();
  for (const row of rows) {
    const xv = row[x];
    const yv = row[y];
    if (typeof xv !== "number" || typeof yv !== "number") continue;
    const group = groups.get(xv);
    if (group) group.push(yv);
    else groups.set(xv, [yv]);
  }
  return bandFromGroups(groups);
}
