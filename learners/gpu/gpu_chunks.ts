/**
 * How a GPU population is split into dispatches: ranges of models (chunks) whose every per-model
 * binding fits the adapter's binding limit, each with its dispatch grid and parameter buffers.
 * @module
 */
import { createParamsBuffer, dispatchGrid } from "../../core/buffers.ts";
import { bindBuffers } from "../../core/pipelines.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { afterSubmit, submit } from "../../core/submit_batch.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { MLP_PARAMS_BYTES, type MlpGrouping, scratchStride } from "../mlp/mlp_uniform.ts";

/** A range of models [first, first + count) with its dispatch grid and parameter buffers. */
export interface Chunk {
  first: number;
  count: number;
  grid: [number, number];
  /** Train-step parameters of this chunk (mode 0). */
  train: GPUBuffer;
  /** Gradients-only parameters of this chunk (mode 1). */
  grad: GPUBuffer;
}

/** A buffer range holding `count` models of `bytesPerModel` bytes from model `first`. */
export function modelRange(buffer: GPUBuffer, c: Chunk, bytesPerModel: number): GPUBufferBinding {
  return { buffer, offset: c.first * bytesPerModel, size: c.count * bytesPerModel };
}

/**
 * The chunks of `padded` models: as many models per chunk as the largest per-model binding
 * (scratch or optimizer moments) allows within the adapter's limit (or `maxBindingBytes`), in
 * multiples of 64 models so that every buffer offset is 256-byte aligned. Throws a RangeError
 * when not even 64 models (or all, if fewer) fit.
 */
export function planChunks(
  ctx: GpuContext,
  L: MlpLayout,
  padded: number,
  g: MlpGrouping,
  maxBindingBytes?: number,
): Chunk[] {
  const maxBinding = Math.min(
    ctx.device.limits.maxStorageBufferBindingSize,
    maxBindingBytes ?? Infinity,
  );
  const perModel = Math.max(scratchStride(L) * 4, 2 * L.stride * 4);
  const fit = Math.floor(maxBinding / perModel);
  if (fit < Math.min(padded, 64)) {
    throw new RangeError(
      `Cannot create population as one model's scratch (${perModel} bytes) must fit ${
        Math.min(padded, 64)
      } times in the adapter's ${maxBinding}-byte binding limit (reduce the widths or batchSize)`,
    );
  }
  const span = padded <= fit ? padded : Math.floor(fit / 64) * 64;
  const chunks: Chunk[] = [];
  for (let first = 0; first < padded; first += span) {
    const count = Math.min(span, padded - first);
    chunks.push({
      first,
      count,
      grid: dispatchGrid(count / g.modelsPerGroup),
      train: createParamsBuffer(ctx, MLP_PARAMS_BYTES, "train-params"),
      grad: createParamsBuffer(ctx, MLP_PARAMS_BYTES, "grad-params"),
    });
  }
  return chunks;
}

/** One dispatch of `submitDispatches`: its kernel parameters, other bindings and grid. */
export interface Dispatch {
  params: ArrayBuffer | ArrayBufferView<ArrayBuffer>;
  /** Bindings in binding order; the kernel-parameters buffer is bound last. */
  buffers: (GPUBuffer | GPUBufferBinding)[];
  grid: [number, number];
}

/**
 * Encodes `dispatches` of `pipeline` into one pass after `prelude` (e.g. buffer clears) and submits
 * them (core/submit_batch.ts); each gets its own kernel-parameters buffer, released after the
 * submit with the `transient` buffers.
 */
export function submitDispatches(
  ctx: GpuContext,
  label: string,
  pipeline: GPUComputePipeline,
  dispatches: Dispatch[],
  prelude?: (enc: GPUCommandEncoder) => void,
  transient: GPUBuffer[] = [],
): void {
  const enc = ctx.device.createCommandEncoder({ label });
  prelude?.(enc);
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  const uniforms: GPUBuffer[] = [];
  for (const d of dispatches) {
    const ub = createParamsBuffer(ctx, d.params.byteLength, `${label}-params`);
    uniforms.push(ub);
    ctx.device.queue.writeBuffer(ub, 0, d.params);
    pass.setBindGroup(0, bindBuffers(ctx, pipeline, [...d.buffers, ub], label));
    pass.dispatchWorkgroups(d.grid[0], d.grid[1]);
  }
  pass.end();
  submit(ctx, enc.finish());
  afterSubmit(ctx, () => [...uniforms, ...transient].forEach((b) => b.destroy()));
}
