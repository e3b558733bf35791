/**
 * Wrapper of `shaders/sample_batches.wgsl`: draws minibatch indices on the GPU.
 * Twin: `sampleBatchesCpu`.
 * @module
 */
import sampleWgsl from "../../shaders/sample_batches.wgsl" with { type: "text" };
import type { GpuContext } from "../../core/gpu_context.ts";
import { ceilDiv, createStorageBuffer, dispatchGrid } from "../../core/buffers.ts";
import type { SampleBatchesOptions } from "../backend.ts";
import { type Chunk, type Dispatch, modelRange } from "../gpu/gpu_chunks.ts";
import { kernelInterface, packParams } from "../../core/kernel_interface.ts";
import { composeWgsl, getPipeline, GRID_WGSL } from "../../core/pipelines.ts";
import { RNG_WGSL } from "../../core/rng_fill.ts";

const SAMPLE = kernelInterface("shaders/sample_batches.wgsl", sampleWgsl, {
  read: "ranges: array<u32>, keys: array<u32>",
  readWrite: "batchIdx: array<u32>",
  params: "P, perModel, seed, round, gridX, first, keyed, lastFrom, lastShift",
});

/** Builds (once) the sampling pipeline. */
export function sampleBatchesPipeline(ctx: GpuContext): Promise<GPUComputePipeline> {
  return getPipeline(ctx, "sample_batches", composeWgsl([RNG_WGSL, GRID_WGSL, ...SAMPLE.parts]));
}

/** Packs the sampling parameters of `P` models and returns them with the dispatch grid. */
export function packSampleParams(
  P: number,
  o: {
    perModel: number;
    seed: number;
    round: number;
    first?: number;
    keyed?: boolean;
    /** Entries per slot and the last slot's draw (see SampleBatchesOptions.lastSlot). */
    last: { batchSize: number; lastSlot: number };
  },
): { data: ArrayBuffer; grid: [number, number] } {
  const { perModel, seed, round } = o;
  const grid = dispatchGrid(ceilDiv(P * perModel, 64));
  const { batchSize: B, lastSlot } = o.last;
  const lastFrom = perModel - B;
  const lastShift = lastSlot * B - lastFrom;
  const rest = { gridX: grid[0], first: o.first ?? 0, keyed: o.keyed ? 1 : 0, lastFrom, lastShift };
  return { data: packParams(SAMPLE, { P, perModel, seed, round, ...rest }), grid };
}

/**
 * The sampling dispatches of a chunked population (one per chunk with models): its ranges and keys
 * uploaded to transient buffers (freed after the submit), each chunk binding its models' rows.
 */
export function sampleDispatches(
  ctx: GpuContext,
  chunks: readonly Chunk[],
  sizes: { P: number; padded: number; perModel: number; batchSize: number },
  o: SampleBatchesOptions,
): { dispatches: (batchIdx: GPUBuffer) => Dispatch[]; transient: GPUBuffer[] } {
  const { P, padded, perModel, batchSize } = sizes;
  const last = { batchSize, lastSlot: o.lastSlot ?? o.numBatches - 1 };
  const ranges = createStorageBuffer(ctx, padded * 8, "ranges");
  ctx.device.queue.writeBuffer(ranges, 0, new Uint32Array(o.ranges));
  const keys = createStorageBuffer(ctx, padded * 4, "batch-keys");
  if (o.keys) ctx.device.queue.writeBuffer(keys, 0, new Uint32Array(o.keys));
  const dispatches = (batchIdx: GPUBuffer) =>
    chunks.flatMap((c) => {
      const models = Math.min(c.count, Math.max(0, P - c.first));
      if (models === 0) return [];
      const { seed, round } = o;
      const at = { first: c.first, keyed: o.keys !== undefined, last };
      const { data, grid } = packSampleParams(models, { perModel, seed, round, ...at });
      const buffers = [
        modelRange(ranges, c, 8),
        modelRange(keys, c, 4),
        modelRange(batchIdx, c, perModel * 4),
      ];
      return [{ params: data, buffers, grid }];
    });
  return { dispatches, transient: [ranges, keys] };
}
