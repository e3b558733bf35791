/**
 * The models a meta-update averages over, on the host: the twin of shaders/_meta_mean.wgsl
 * (meta_healthy, healthy_sum). The rule lives in `healthy` and nowhere else on the host: a model
 * counts when its quarantine flag is 0 and its metrics row's loss and gradient norm are finite as
 * f32. The flag covers the inner steps; the finiteness tests cover a last pass that does not set
 * it, the query pass of FOMAML, MAML and Meta-SGD (the train step's gradient mode), whose NaN
 * gradient would otherwise enter the mean and zero the meta-batch's whole update (see the
 * snippet's header).
 * @module
 */
import { METRIC, METRIC_STRIDE } from "../metrics_row.ts";

/** Whether x is finite once stored as f32 (what the kernels' `finite` sees). */
function finite32(x: number): boolean {
  return Number.isFinite(Math.fround(x));
}

/**
 * Twin of meta_healthy in shaders/_meta_mean.wgsl: true when model m's quarantine flag is 0 and its
 * loss and gradient norm are finite (as f32), i.e. when it enters the meta-update and the logged
 * means.
 */
export function healthy(metrics: ArrayLike<number>, m: number): boolean {
  const r = m * METRIC_STRIDE;
  return metrics[r + METRIC.quarantined] === 0 && finite32(metrics[r + METRIC.loss]!) &&
    finite32(metrics[r + METRIC.gradNorm]!);
}

/**
 * True when model m is left out of the meta-update (not `healthy`): its quarantine flag is set, or
 * its loss or gradient norm is not finite.
 */
export function diverged(metrics: ArrayLike<number>, m: number): boolean {
  return !healthy(metrics, m);
}

/**
 * Twin of healthy_sum in shaders/_meta_mean.wgsl: calls `visit(m)` for each `healthy` model m of
 * first .. first + models - 1, in order; returns how many.
 */
export function forHealthy(
  metrics: ArrayLike<number>,
  first: number,
  models: number,
  visit: (m: number) => void,
): number {
  let used = 0;
  for (let p = 0; p < models; p++) {
    if (!healthy(metrics, first + p)) continue;
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
