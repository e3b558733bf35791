/**
 * Wrapper of `shaders/init_params.wgsl`: seeded He/Xavier init on the GPU. Twin: `initParamsCpu`.
 * @module
 */
import initWgsl from "../../shaders/init_params.wgsl" with { type: "text" };
import type { GpuContext } from "../../core/gpu_context.ts";
import { ceilDiv, dispatchGrid } from "../../core/buffers.ts";
import { composeWgsl, getPipeline } from "../../core/pipelines.ts";
import { RNG_WGSL } from "../../core/rng_fill.ts";
import { initStd } from "./mlp_cpu.ts";
import type { MlpLayout } from "./mlp_layout.ts";

/** Builds (once) the init pipeline. */
export function initParamsPipeline(ctx: GpuContext): Promise<GPUComputePipeline> {
  return getPipeline(
    ctx,
    "init_params",
    composeWgsl([RNG_WGSL, { file: "shaders/init_params.wgsl", code: initWgsl }]),
  );
}

/** Packs InitParams and returns it with the dispatch grid. */
export function packInitParams(
  layout: MlpLayout,
  seed: number,
  first = 0,
  models = layout.size,
): { data: ArrayBuffer; grid: [number, number] } {
  const grid = dispatchGrid(ceilDiv(models * layout.stride, 64));
  const data = new ArrayBuffer(80);
  const u = new Uint32Array(data);
  const f = new Float32Array(data);
  for (let l = 0; l < layout.layers; l++) {
    u[l] = layout.weightOffset[l]!; // @0 w_offs
    u[4 + l] = layout.biasOffset[l]!; // @16 b_offs
    f[8 + l] = initStd(layout, l); // @32 stds
  }
  u[12] = models; // @48 P
  u[13] = layout.layers; // @52 L
  u[14] = layout.stride; // @56
  u[15] = seed >>> 0; // @60
  u[16] = grid[0]; // @64 gridX
  u[17] = first; // @68 first model
  return { data, grid };
}
