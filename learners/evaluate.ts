/**
 * Wrapper of `shaders/evaluate.wgsl`: loss and accuracy per model. Twin: `evaluateCpu`.
 * @module
 */
import evalWgsl from "../shaders/evaluate.wgsl" with { type: "text" };
import type { GpuContext } from "../core/gpu_context.ts";
import { composeWgsl, getPipeline } from "../core/pipelines.ts";
import { MLP_WGSL, type MlpGrouping, mlpWorkgroupWgsl } from "./mlp_uniform.ts";

/** Builds (once per grouping) the evaluate pipeline. */
export function evaluatePipeline(
  ctx: GpuContext,
  g: MlpGrouping,
): Promise<GPUComputePipeline> {
  return getPipeline(
    ctx,
    `evaluate_${g.modelsPerGroup}x${g.roles}`,
    composeWgsl([
      mlpWorkgroupWgsl(g),
      MLP_WGSL,
      { file: "shaders/evaluate.wgsl", code: evalWgsl },
    ]),
  );
}
