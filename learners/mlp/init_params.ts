/**
 * Wrapper of `shaders/init_params.wgsl`: seeded He/Xavier init on the GPU. Twin: `initParamsCpu`.
 * @module
 */
import initWgsl from "../../shaders/init_params.wgsl" with { type: "text" };
import type { GpuContext } from "../../core/gpu_context.ts";
import { ceilDiv, dispatchGrid } from "../../core/buffers.ts";
import { kernelInterface, packParams } from "../../core/kernel_interface.ts";
import { composeWgsl, getPipeline } from "../../core/pipelines.ts";
import { RNG_WGSL } from "../../core/rng_fill.ts";
import { initStd } from "./mlp_cpu.ts";
import type { MlpLayout } from "./mlp_layout.ts";

const INIT = kernelInterface("shaders/init_params.wgsl", initWgsl, {
  readWrite: "params",
  params: "w_offs: vec4<u32>, b_offs: vec4<u32>, stds: vec4<f32>, P, L, stride, seed, gridX, first",
});

/** Builds (once) the init pipeline. */
export function initParamsPipeline(ctx: GpuContext): Promise<GPUComputePipeline> {
  return getPipeline(ctx, "init_params", composeWgsl([RNG_WGSL, ...INIT.parts]));
}

/** Packs InitParams and returns it with the dispatch grid. */
export function packInitParams(
  layout: MlpLayout,
  seed: number,
  first = 0,
  models = layout.size,
): { data: ArrayBuffer; grid: [number, number] } {
  const grid = dispatchGrid(ceilDiv(models * layout.stride, 64));
  const layers = Array.from({ length: layout.layers }, (_, l) => l);
  const data = packParams(INIT, {
    w_offs: layers.map((l) => layout.weightOffset[l]!),
    b_offs: layers.map((l) => layout.biasOffset[l]!),
    stds: layers.map((l) => initStd(layout, l)),
    P: models,
    L: layout.layers,
    stride: layout.stride,
    seed,
    gridX: grid[0],
    first,
  });
  return { data, grid };
}
