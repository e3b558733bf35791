/**
 * Moving whole models between the host and a GPU population's buffers: reading and writing
 * parameters, optimizer state, metrics and knobs, and copying models on the device. Reads that
 * need several buffers are issued together, so they cost one wait, not one per buffer.
 * @module
 */
import { encodeReadBuffer, readF32, readU32 } from "../../core/buffers.ts";
import { submit } from "../../core/submit_batch.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import type { OptimizerState, PopulationState, TrainMetrics } from "../backend.ts";
import { KNOB_STRIDE } from "../optimizers/knobs.ts";
import { METRIC_STRIDE, trainMetricsOf } from "../metrics_row.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";

/** The per-model buffers of a GPU population (each row-major over the padded models). */
export interface GpuModelBuffers {
  readonly ctx: GpuContext;
  readonly layout: MlpLayout;
  /** (P, stride) parameters. */
  readonly params: GPUBuffer;
  /** (P, 2, stride) optimizer moments. */
  readonly opt: GPUBuffer;
  /** (P) steps. */
  readonly steps: GPUBuffer;
  /** (P, METRIC_STRIDE) metrics. */
  readonly metrics: GPUBuffer;
  /** (P, KNOB_STRIDE) knobs. */
  readonly knobs: GPUBuffer;
}

/** Parameters (P, stride). */
export function readModelParams(b: GpuModelBuffers): Promise<Float32Array> {
  return readF32(b.ctx, b.params, b.layout.size * b.layout.stride);
}

/** Optimizer moments and step counters. */
export async function readOptimizerState(b: GpuModelBuffers): Promise<OptimizerState> {
  const L = b.layout;
  const [opt, steps] = await Promise.all([
    readF32(b.ctx, b.opt, L.size * 2 * L.stride),
    readU32(b.ctx, b.steps, L.size),
  ]);
  return { opt, steps };
}

/** Last train step's loss, gradient norm and quarantine flag per model. */
export async function readModelMetrics(b: GpuModelBuffers): Promise<TrainMetrics> {
  const P = b.layout.size;
  return trainMetricsOf(await readF32(b.ctx, b.metrics, METRIC_STRIDE * P), P);
}

/**
 * Queues a copy of the metrics as the work queued so far leaves them; the returned function reads
 * it. Snapshots taken between train calls and read together (`Promise.all`) cost one wait.
 */
export function snapshotModelMetrics(b: GpuModelBuffers): () => Promise<TrainMetrics> {
  const P = b.layout.size;
  const enc = b.ctx.device.createCommandEncoder();
  const read = encodeReadBuffer(b.ctx, enc, b.metrics, METRIC_STRIDE * P * 4);
  submit(b.ctx, enc.finish());
  return async () => trainMetricsOf(new Float32Array(await read()), P);
}

/** The whole state: parameters, optimizer moments, steps, metrics, knobs. */
export async function readModelState(b: GpuModelBuffers): Promise<PopulationState> {
  const L = b.layout;
  const P = L.size;
  const [params, opt, steps, metrics, knobs] = await Promise.all([
    readF32(b.ctx, b.params, P * L.stride),
    readF32(b.ctx, b.opt, P * 2 * L.stride),
    readU32(b.ctx, b.steps, P),
    readF32(b.ctx, b.metrics, P * METRIC_STRIDE),
    readF32(b.ctx, b.knobs, P * KNOB_STRIDE),
  ]);
  return { params, opt, steps, metrics, knobs } as PopulationState;
}

/** Writes a state read with `readModelState` (already checked against the layout). */
export function writeModelState(b: GpuModelBuffers, state: PopulationState): void {
  const q = b.ctx.device.queue;
  q.writeBuffer(b.params, 0, state.params);
  q.writeBuffer(b.opt, 0, state.opt);
  q.writeBuffer(b.steps, 0, state.steps);
  q.writeBuffer(b.metrics, 0, state.metrics);
  q.writeBuffer(b.knobs, 0, state.knobs);
}

/**
 * Model `to[i]` becomes a bit-exact copy of model `from[i]` (parameters, moments, steps, metrics,
 * knobs), all copies reading the models as they were before the call; one submit, no readback.
 */
export function copyModelRows(
  b: GpuModelBuffers,
  from: ArrayLike<number>,
  to: ArrayLike<number>,
): void {
  if (from.length === 0) return;
  const L = b.layout;
  const P = L.size;
  const rows: [GPUBuffer, number][] = [
    [b.params, L.stride * 4],
    [b.opt, 2 * L.stride * 4],
    [b.steps, 4],
    [b.metrics, METRIC_STRIDE * 4],
    [b.knobs, KNOB_STRIDE * 4],
  ];
  // Copies read a snapshot, so that a model both copied and overwritten gives its old value.
  const dev = b.ctx.device;
  const enc = dev.createCommandEncoder({ label: "copy-models" });
  const snapshots = rows.map(([buf, n]) => {
    const snap = dev.createBuffer({
      label: "copy-snapshot",
      size: P * n,
      usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    enc.copyBufferToBuffer(buf, 0, snap, 0, P * n);
    return snap;
  });
  for (let i = 0; i < from.length; i++) {
    rows.forEach(([buf, n], k) =>
      enc.copyBufferToBuffer(snapshots[k]!, from[i]! * n, buf, to[i]! * n, n)
    );
  }
  dev.queue.submit([enc.finish()]);
  for (const snap of snapshots) snap.destroy();
}
