/**
 * The validation metric of few-shot learning, one rule for every caller: "accuracy" (mean query
 * accuracy, higher is better) or "loss" (mean query loss, lower is better).
 * @module
 */

/** Query accuracy (classification; higher is better) or query loss (regression; lower is better). */
export type FewShotMetric = "accuracy" | "loss";

/** The part of `o` that `metric` reads: its accuracy or its loss. */
export function metricPart<T>(o: { accuracy: T; loss: T }, metric: FewShotMetric): T {
  return metric === "loss" ? o.loss : o.accuracy;
}

/** `y` as a score where higher is better: an accuracy as it is, minus a loss (-Infinity if not finite). */
export function metricScore(y: number, metric: FewShotMetric): number {
  if (metric === "accuracy") return y;
  return Number.isFinite(y) ? -y : -Infinity;
}
