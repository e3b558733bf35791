/**
 * Shared plumbing of the meta-update kernel wrappers: one dispatch of a one-invocation-per-parameter
 * kernel, Adam bias corrections and the f32 Adam step their CPU twins share. Internal.
 * @module
 */
import {
  ceilDiv,
  createParamsBuffer,
  createStorageBuffer,
  dispatchGrid,
  readF32,
} from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { bindBuffers, composeWgsl, getPipeline } from "../../core/pipelines.ts";
import { ADAM_WGSL, FINITE_WGSL } from "../../learners/mlp/wgsl_parts.ts";
import { isQuarantined, METRIC, METRIC_LAYOUT, METRIC_STRIDE } from "../../learners/metrics_row.ts";

/** Adam constants (beta1, beta2, eps) of every meta-update. */
export const ADAM_BETAS: readonly [number, number, number] = [0.9, 0.999, 1e-8];

/** Adam bias corrections c1 = 1 - beta1^t, c2 = 1 - beta2^t for step t (1-based). */
export function adamCorrections(t: number): { c1: number; c2: number } {
  return { c1: 1 - Math.pow(ADAM_BETAS[0], t), c2: 1 - Math.pow(ADAM_BETAS[1], t) };
}

/** One Adam step of element i (moments m at mi, v at vi), as the kernels do it; returns the new x. */
export function adamElement(
  x: number,
  g: number,
  moments: Float32Array,
  mi: number,
  vi: number,
  o: { lr: number; c1: number; c2: number },
): number {
  const [b1, b2, eps] = ADAM_BETAS;
  const gg = Number.isFinite(g) ? g : 0;
  moments[mi] = b1 * moments[mi]! + (1 - b1) * gg;
  moments[vi] = b2 * moments[vi]! + (1 - b2) * gg * gg;
  return x - o.lr * (moments[mi]! / o.c1) / (Math.sqrt(moments[vi]! / o.c2) + eps);
}

/** True when model m's quarantine flag (its metrics row's METRIC.quarantined entry) is set. */
export function diverged(metrics: ArrayLike<number>, m: number): boolean {
  return isQuarantined(metrics, m);
}

/**
 * Runs `file`'s kernel once over n parameter indices: binds `buffers` then the uniform, which is
 * `uniform` with gridX written at word `gridXWord`. Submits; no readback.
 */
export async function dispatchMetaKernel(
  ctx: GpuContext,
  kernel: { key: string; file: string; code: string },
  run: {
    n: number;
    buffers: (GPUBuffer | GPUBufferBinding)[];
    uniform: ArrayBuffer;
    gridXWord: number;
  },
): Promise<void> {
  const pipeline = await getPipeline(
    ctx,
    kernel.key,
    composeWgsl([
      FINITE_WGSL,
      METRIC_LAYOUT.wgsl,
      { file: "<generated: Adam element type>", code: "alias AdamT = f32;\n" },
      ADAM_WGSL,
      { file: kernel.file, code: kernel.code },
    ]),
  );
  const [gx, gy] = dispatchGrid(ceilDiv(run.n, 64));
  new Uint32Array(run.uniform)[run.gridXWord] = gx;
  const ub = createParamsBuffer(ctx, run.uniform.byteLength, `${kernel.key}-params`);
  ctx.device.queue.writeBuffer(ub, 0, run.uniform);
  const enc = ctx.device.createCommandEncoder({ label: kernel.key });
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindBuffers(ctx, pipeline, [...run.buffers, ub], kernel.key));
  pass.dispatchWorkgroups(gx, gy);
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
  ub.destroy();
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

/** A persistent f32 vector on the GPU mirrored by a host array: upload, then read back after a kernel. */
export class GpuMirror {
  /** The device buffer. */
  readonly buffer: GPUBuffer;
  #ctx: GpuContext;

  /** Allocates `length` floats. */
  constructor(ctx: GpuContext, length: number, label: string) {
    this.#ctx = ctx;
    this.buffer = createStorageBuffer(ctx, Math.max(4, length * 4), label);
  }

  /** Uploads `host`. */
  write(host: Float32Array<ArrayBuffer>): void {
    this.#ctx.device.queue.writeBuffer(this.buffer, 0, host);
  }

  /** Reads the first `host.length` floats back into `host`. */
  async read(host: Float32Array): Promise<void> {
    host.set(await readF32(this.#ctx, this.buffer, host.length));
  }
}

/** Uploads a temporary f32 table (free it with destroy after the kernel is submitted). */
export function uploadF32(ctx: GpuContext, data: ArrayLike<number>, label: string): GPUBuffer {
  const b = createStorageBuffer(ctx, Math.max(4, data.length * 4), label);
  ctx.device.queue.writeBuffer(b, 0, Float32Array.from(data));
  return b;
}
