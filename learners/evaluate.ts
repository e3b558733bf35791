/**
 * Wrapper of `shaders/evaluate.wgsl`: loss and accuracy per model. Twin: `evaluateCpu`.
 * @module
 */
import evalWgsl from "../shaders/evaluate.wgsl" with { type: "text" };
import type { GpuContext } from "../core/gpu_context.ts";
import { type ComposedWgsl, composeWgsl, getPipeline, getPipelineSync } from "../core/pipelines.ts";
import { inputPrecisionWgsl, MLP_WGSL, type MlpGrouping, mlpWorkgroupWgsl } from "./mlp_uniform.ts";
import type { InputPrecision } from "./backend.ts";

function evaluateSource(g: MlpGrouping, p: InputPrecision): ComposedWgsl {
  return composeWgsl([inputPrecisionWgsl(p), mlpWorkgroupWgsl(g), MLP_WGSL, {
    file: "shaders/evaluate.wgsl",
    code: evalWgsl,
  }]);
}

function evaluateKey(g: MlpGrouping, p: InputPrecision): string {
  return `evaluate_${g.modelsPerGroup}x${g.roles}${p === "f16" ? "_f16" : ""}`;
}

/** Builds (once per grouping and input precision) the evaluate pipeline, reporting WGSL errors. */
export function evaluatePipeline(
  ctx: GpuContext,
  g: MlpGrouping,
  p: InputPrecision = "f32",
): Promise<GPUComputePipeline> {
  return getPipeline(ctx, evaluateKey(g, p), evaluateSource(g, p));
}

/** The evaluate pipeline for another grouping or precision, without waiting for the compiler. */
export function evaluatePipelineSync(
  ctx: GpuContext,
  g: MlpGrouping,
  p: InputPrecision = "f32",
): GPUComputePipeline {
  return getPipelineSync(ctx, evaluateKey(g, p), evaluateSource(g, p));
}
