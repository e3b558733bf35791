/**
 * Wrapper of `shaders/sample_batches.wgsl`: draws minibatch indices on the GPU.
 * Twin: `sampleBatchesCpu`.
 * @module
 */
import sampleWgsl from "../../shaders/sample_batches.wgsl" with { type: "text" };
import type { GpuContext } from "../../core/gpu_context.ts";
import { ceilDiv, dispatchGrid } from "../../core/buffers.ts";
import { kernelInterface, packParams } from "../../core/kernel_interface.ts";
import { composeWgsl, getPipeline, GRID_WGSL } from "../../core/pipelines.ts";
import { RNG_WGSL } from "../../core/rng_fill.ts";

const SAMPLE = kernelInterface("shaders/sample_batches.wgsl", sampleWgsl, {
  read: "ranges: array<u32>",
  readWrite: "batchIdx: array<u32>",
  params: "P, perModel, seed, round, gridX, first",
});

/** Builds (once) the sampling pipeline. */
export function sampleBatchesPipeline(ctx: GpuContext): Promise<GPUComputePipeline> {
  return getPipeline(ctx, "sample_batches", composeWgsl([RNG_WGSL, GRID_WGSL, ...SAMPLE.parts]));
}

/** Packs SampleParams and returns it with the dispatch grid. */
export function packSampleParams(
  P: number,
  perModel: number,
  seed: number,
  round: number,
  first = 0,
): { data: ArrayBuffer; grid: [number, number] } {
  const grid = dispatchGrid(ceilDiv(P * perModel, 64));
  const data = packParams(SAMPLE, { P, perModel, seed, round, gridX: grid[0], first });
  return { data, grid };
}
