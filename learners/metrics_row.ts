/**
 * The per-model metrics row that the train step writes and evolution and the meta-updates read:
 * METRIC_STRIDE f32 per model, named once here and emitted into WGSL by `METRIC_LAYOUT.wgsl`.
 *
 * Row layout: 0 loss (last train step's mean batch loss), 1 gradNorm (global L2 norm before
 * clipping), 2 quarantined (1 after a NaN/infinite loss or gradient: sticky, the model is never
 * updated again), 3 prevLoss (the previous step's loss, kept by the learned optimizer; else 0).
 * @module
 */
import { type RowLayout, rowLayout } from "../core/wgsl_layout.ts";
import type { TrainMetrics } from "./backend.ts";

/** f32 per metrics row. */
export const METRIC_STRIDE = 4;
/** Index of each field in a metrics row. */
export const METRIC = {
  loss: 0,
  gradNorm: 1,
  quarantined: 2,
  prevLoss: 3,
} as const;

/** The metrics row layout; its WGSL part declares `METRIC_STRIDE`, `METRIC_QUARANTINED`, ... */
export const METRIC_LAYOUT: RowLayout = rowLayout("METRIC", METRIC, {
  stride: METRIC_STRIDE,
  source: "learners/metrics_row.ts",
});

/** Whether model `p`'s quarantine flag is set in a (P, METRIC_STRIDE) metrics table. */
export function isQuarantined(metrics: ArrayLike<number>, p: number): boolean {
  return metrics[p * METRIC_STRIDE + METRIC.quarantined] !== 0;
}

/** Loss, gradient norm and quarantine flag of the first `size` models of a metrics table. */
export function trainMetricsOf(metrics: ArrayLike<number>, size: number): TrainMetrics {
  const loss = new Float32Array(size);
  const gradNorm = new Float32Array(size);
  const diverged = new Uint8Array(size);
  for (let p = 0; p < size; p++) {
    loss[p] = metrics[p * METRIC_STRIDE + METRIC.loss]!;
    gradNorm[p] = metrics[p * METRIC_STRIDE + METRIC.gradNorm]!;
    diverged[p] = isQuarantined(metrics, p) ? 1 : 0;
  }
  return { loss, gradNorm, diverged };
}
