/**
 * Wrapper of `shaders/evaluate.wgsl`: loss and accuracy per model. Twin: `evaluateCpu`.
 * @module
 */
import evalWgsl from "../shaders/evaluate.wgsl" with { type: "text" };
import type { GpuContext } from "../core/gpu_context.ts";
import { type ComposedWgsl, composeWgsl, getPipeline, getPipelineSync } from "../core/pipelines.ts";
import { MLP_WGSL, type MlpGrouping, mlpWorkgroupWgsl } from "./mlp_uniform.ts";

function evaluateSource(g: MlpGrouping): ComposedWgsl {
  return composeWgsl([mlpWorkgroupWgsl(g), MLP_WGSL, {
    file: "shaders/evaluate.wgsl",
    code: evalWgsl,
  }]);
}

/** Builds (once per grouping) the evaluate pipeline, reporting WGSL compile errors. */
export function evaluatePipeline(ctx: GpuContext, g: MlpGrouping): Promise<GPUComputePipeline> {
  return getPipeline(ctx, `evaluate_${g.modelsPerGroup}x${g.roles}`, evaluateSource(g));
}

/** The evaluate pipeline for another grouping, without waiting for the compiler. */
export function evaluatePipelineSync(ctx: GpuContext, g: MlpGrouping): GPUComputePipeline {
  return getPipelineSync(ctx, `evaluate_${g.modelsPerGroup}x${g.roles}`, evaluateSource(g));
}
