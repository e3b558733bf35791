/**
 * Wrapper of `shaders/train_step.wgsl`: the fused forward/loss/backward/update kernel.
 * Twin: `trainStepCpu` in mlp_cpu.ts.
 * @module
 */
import trainWgsl from "../shaders/train_step.wgsl" with { type: "text" };
import type { GpuContext } from "../core/gpu_context.ts";
import { type ComposedWgsl, composeWgsl, getPipeline, getPipelineSync } from "../core/pipelines.ts";
import { inputPrecisionWgsl, MLP_WGSL, type MlpGrouping, mlpWorkgroupWgsl } from "./mlp_uniform.ts";
import { ADAM_WGSL, FINITE_WGSL } from "./wgsl_parts.ts";
import type { InputPrecision } from "./backend.ts";

function trainStepSource(g: MlpGrouping, p: InputPrecision): ComposedWgsl {
  return composeWgsl([
    inputPrecisionWgsl(p),
    mlpWorkgroupWgsl(g),
    FINITE_WGSL,
    ADAM_WGSL,
    MLP_WGSL,
    { file: "shaders/train_step.wgsl", code: trainWgsl },
  ]);
}

function trainStepKey(g: MlpGrouping, p: InputPrecision): string {
  return `train_step_${g.modelsPerGroup}x${g.roles}${p === "f16" ? "_f16" : ""}`;
}

/** Builds (once per grouping and input precision) the train_step pipeline, reporting WGSL errors. */
export function trainStepPipeline(
  ctx: GpuContext,
  g: MlpGrouping,
  p: InputPrecision = "f32",
): Promise<GPUComputePipeline> {
  return getPipeline(ctx, trainStepKey(g, p), trainStepSource(g, p));
}

/** The train_step pipeline for another grouping or precision, without waiting for the compiler. */
export function trainStepPipelineSync(
  ctx: GpuContext,
  g: MlpGrouping,
  p: InputPrecision = "f32",
): GPUComputePipeline {
  return getPipelineSync(ctx, trainStepKey(g, p), trainStepSource(g, p));
}

/** Encodes `steps` train-step dispatches of a P-model grid into one pass (no readback between). */
export function encodeTrainSteps(
  pass: GPUComputePassEncoder,
  pipeline: GPUComputePipeline,
  bindGroup: GPUBindGroup,
  grid: [number, number],
  steps: number,
): void {
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  for (let k = 0; k < steps; k++) pass.dispatchWorkgroups(grid[0], grid[1]);
}
