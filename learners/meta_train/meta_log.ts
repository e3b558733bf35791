/**
 * Wrapper of `shaders/meta_log.wgsl`, the logged metrics of one meta-iteration computed on the
 * device, and its CPU twin `metaLogCpu` (the specification, with the kernel's order of sums).
 * @module
 */
import code from "../../shaders/meta_log.wgsl" with { type: "text" };
import { METRIC, METRIC_STRIDE } from "../metrics_row.ts";
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";
import { forHealthy } from "./meta_mean.ts";

/**
 * Floats per log row: mean loss of the healthy models, norm, healthy models, losses used (healthy:
 * `healthy` in meta_mean.ts, whose rule requires a finite loss, so the last equals the third).
 */
export const META_LOG_WIDTH = 4;

/**
 * CPU twin: writes row `row` of `log`: [mean of the losses (METRIC.loss) of the healthy models
 * (`forHealthy`, the models a meta-update uses; 0 when none), L2 norm of a - b (of a when b is
 * null) over n entries, healthy models, losses used (the same count)]. The loss sum is in f32 in
 * model order, as healthy_sum's; the norm sums squares as the kernel does: 64 strided partial sums,
 * then a tree; every partial rounded to f32.
 */
export function metaLogCpu(
  data: { metrics: ArrayLike<number>; a: ArrayLike<number>; b: ArrayLike<number> | null },
  o: { n: number; models: number; row: number },
  log: Float32Array,
): void {
  const partial = new Float32Array(64);
  for (let l = 0; l < 64; l++) {
    for (let i = l; i < o.n; i += 64) {
      const d = Math.fround(data.a[i]! - (data.b ? data.b[i]! : 0));
      partial[l] = partial[l]! + Math.fround(d * d);
    }
  }
  for (let w = 32; w > 0; w >>= 1) {
    for (let l = 0; l < w; l++) partial[l] = partial[l]! + partial[l + w]!;
  }
  let loss = 0;
  const used = forHealthy(data.metrics, 0, o.models, (m) => {
    loss = Math.fround(loss + data.metrics[m * METRIC_STRIDE + METRIC.loss]!);
  });
  const r = o.row * META_LOG_WIDTH;
  log[r] = used > 0 ? Math.fround(loss / used) : 0;
  log[r + 1] = Math.sqrt(partial[0]!);
  log[r + 2] = used;
  log[r + 3] = used;
}

/** The log kernel. */
export const META_LOG: MetaKernel = metaKernel("meta_log", code, {
  mean: true,
  oneWorkgroup: true,
  read: "metrics, a, b",
  readWrite: "logRows",
  params: "n, models, row, diff",
});

/** The kernel run of one log row (n: 1, so that one workgroup is dispatched). */
export function metaLogRun(
  b: { metrics: MetaBinding; a: MetaBinding; b: MetaBinding | null; log: MetaBinding },
  o: { n: number; models: number; row: number },
): MetaRun {
  const buffers = { metrics: b.metrics, a: b.a, b: b.b ?? b.a, logRows: b.log };
  return { n: 1, buffers, params: { n: o.n, models: o.models, row: o.row, diff: b.b ? 1 : 0 } };
}
