/**
 * The one number formatter of reports, logs and tables: significant digits for table cells and
 * progress lines, fixed decimals for headline numbers, and `mean [low, high]` for a value with its
 * 95% confidence interval.
 * @module
 */

/** Formats `v` with 4 significant digits (integers as they are; exponent notation outside [1e-3, 1e6)). */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e6) return String(Number(v.toPrecision(4)));
  return v.toExponential(3).replace(/\.?0+e/, "e");
}

/** Formats `v` with `digits` decimals; a value that is not finite as `missing` (default as is). */
export function formatFixed(v: number, digits: number, missing?: string): string {
  return Number.isFinite(v) || missing === undefined ? v.toFixed(digits) : missing;
}

/** A rate for a table: no decimals from 100 up, `digits` below (default 1), "-" when not finite. */
export function formatRate(v: number, digits = 1): string {
  return formatFixed(v, v >= 100 ? 0 : digits, "-");
}

/** A value with its 95% confidence interval. */
export interface WithCi {
  /** The value (a mean). */
  mean: number;
  /** Lower bound of the 95% CI. */
  ci95Low: number;
  /** Upper bound of the 95% CI. */
  ci95High: number;
}

/** Formats a mean and its 95% CI as `mean [low, high]` with `digits` decimals (default 3). */
export function formatCi(s: WithCi, digits = 3, missing?: string): string {
  const f = (v: number) => formatFixed(v, digits, missing);
  return `${f(s.mean)} [${f(s.ci95Low)}, ${f(s.ci95High)}]`;
}
