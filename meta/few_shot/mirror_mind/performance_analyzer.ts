/**
 * MirrorMind's performance analyzer: flags over- and underfitting from the support/query gap of an
 * adapted learner. Rule: underfitting when support accuracy < `underfitSupport`; overfitting when
 * support accuracy >= `overfitSupport` and support minus query accuracy > `gap`; otherwise ok.
 * @module
 */

/** The analyzer's verdict. */
export type FitVerdict = "overfitting" | "underfitting" | "ok";

/** Thresholds of `analyzeFit`. */
export interface FitThresholds {
  /** Support accuracy below this is underfitting (default 0.9). */
  underfitSupport?: number;
  /** Support accuracy at least this (default 0.95) ... */
  overfitSupport?: number;
  /** ... with a support-query gap above this is overfitting (default 0.25). */
  gap?: number;
}

/** One analysis: verdict and the numbers it came from. */
export interface FitAnalysis {
  /** Underfitting, overfitting or ok, by the thresholds. */
  verdict: FitVerdict;
  /** Accuracy on the support set, in [0, 1]. */
  supportAccuracy: number;
  /** Accuracy on the query set, in [0, 1]. */
  queryAccuracy: number;
  /** Support accuracy minus query accuracy. */
  gap: number;
}

/** Classifies one (support accuracy, query accuracy) pair. */
export function analyzeFit(
  supportAccuracy: number,
  queryAccuracy: number,
  t: FitThresholds = {},
): FitAnalysis {
  const under = t.underfitSupport ?? 0.9;
  const over = t.overfitSupport ?? 0.95;
  const maxGap = t.gap ?? 0.25;
  const gap = supportAccuracy - queryAccuracy;
  const verdict: FitVerdict = supportAccuracy < under
    ? "underfitting"
    : supportAccuracy >= over && gap > maxGap
    ? "overfitting"
    : "ok";
  return { verdict, supportAccuracy, queryAccuracy, gap };
}

/** Analyzes the mean of many episodes (e.g. one member's meta-batch). */
export function analyzeFitMean(
  support: ArrayLike<number>,
  query: ArrayLike<number>,
  t: FitThresholds = {},
): FitAnalysis {
  let s = 0;
  let q = 0;
  for (let i = 0; i < support.length; i++) (s += support[i]!, q += query[i]!);
  return analyzeFit(s / support.length, q / query.length, t);
}
