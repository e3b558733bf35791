/**
 * The models a meta-update averages over, on the host: the twin of shaders/_meta_mean.wgsl's
 * healthy_sum (models whose quarantine flag is 0) and the flags themselves.
 * @module
 */
import { isQuarantined, METRIC, METRIC_STRIDE } from "../metrics_row.ts";

/** True when model m's quarantine flag (its metrics row's METRIC.quarantined entry) is set. */
export function diverged(metrics: ArrayLike<number>, m: number): boolean {
  return isQuarantined(metrics, m);
}

/**
 * Twin of healthy_sum in shaders/_meta_mean.wgsl: calls `visit(m)` for each model m of
 * first .. first + models - 1 whose quarantine flag is 0, in order; returns how many.
 */
export function forHealthy(
  metrics: ArrayLike<number>,
  first: number,
  models: number,
  visit: (m: number) => void,
): number {
  let used = 0;
  for (let p = 0; p < models; p++) {
    if (diverged(metrics, first + p)) continue;
    used++;
    visit(first + p);
  }
  return used;
}

/** Metrics rows (P, METRIC_STRIDE) whose quarantine flag marks the models with a flag or a non-finite row entry. */
export function flagRows(
  rows: ArrayLike<number>[],
  P: number,
  stride: number,
  count: number,
  flags?: ArrayLike<number>,
): Float32Array<ArrayBuffer> {
  const metrics = new Float32Array(P * METRIC_STRIDE);
  for (let p = 0; p < P; p++) {
    let bad = flags !== undefined && flags[p] !== 0;
    for (const r of rows) {
      for (let i = 0; i < count && !bad; i++) bad = !Number.isFinite(r[p * stride + i]!);
    }
    metrics[p * METRIC_STRIDE + METRIC.quarantined] = bad ? 1 : 0;
  }
  return metrics;
}
