/**
 * Wrapper of `shaders/evaluate.wgsl`: loss and accuracy per model. Twin: `evaluateCpu`.
 * @module
 */
import evalWgsl from "../shaders/evaluate.wgsl" with { type: "text" };
import type { GpuContext } from "../core/gpu_context.ts";
import { composeWgsl, getPipeline } from "../core/pipelines.ts";
import { MLP_WGSL, mlpWorkgroupWgsl } from "./mlp_uniform.ts";

/** Builds (once per workgroup size) the evaluate pipeline. */
export function evaluatePipeline(
  ctx: GpuContext,
  workgroupSize: number,
): Promise<GPUComputePipeline> {
  return getPipeline(
    ctx,
    `evaluate_wg${workgroupSize}`,
    composeWgsl([
      mlpWorkgroupWgsl(workgroupSize),
      MLP_WGSL,
      { file: "shaders/evaluate.wgsl", code: evalWgsl },
    ]),
  );
}
