/**
 * Wrapper of `shaders/sample_batches.wgsl`: draws minibatch indices on the GPU.
 * Twin: `sampleBatchesCpu`.
 * @module
 */
import sampleWgsl from "../../shaders/sample_batches.wgsl" with { type: "text" };
import type { GpuContext } from "../../core/gpu_context.ts";
import { ceilDiv, dispatchGrid } from "../../core/buffers.ts";
import { composeWgsl, getPipeline } from "../../core/pipelines.ts";
import { RNG_WGSL } from "../../core/rng_fill.ts";

/** Builds (once) the sampling pipeline. */
export function sampleBatchesPipeline(ctx: GpuContext): Promise<GPUComputePipeline> {
  return getPipeline(
    ctx,
    "sample_batches",
    composeWgsl([RNG_WGSL, { file: "shaders/sample_batches.wgsl", code: sampleWgsl }]),
  );
}

/** Packs SampleParams and returns it with the dispatch grid. */
export function packSampleParams(
  P: number,
  perModel: number,
  seed: number,
  round: number,
  first = 0,
): { data: Uint32Array<ArrayBuffer>; grid: [number, number] } {
  const grid = dispatchGrid(ceilDiv(P * perModel, 64));
  // P @0, perModel @4, seed @8, round @12, gridX @16, first @20.
  return {
    data: new Uint32Array([P, perModel, seed >>> 0, round >>> 0, grid[0], first, 0, 0]),
    grid,
  };
}
