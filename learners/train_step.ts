/**
 * Wrapper of `shaders/train_step.wgsl`: the fused forward/loss/backward/update kernel.
 * Twin: `trainStepCpu` in mlp_cpu.ts.
 * @module
 */
import trainWgsl from "../shaders/train_step.wgsl" with { type: "text" };
import { MLP_WGSL, type MlpKernel, mlpKernel } from "./mlp_uniform.ts";
import { ADAM_WGSL, FINITE_WGSL } from "./wgsl_parts.ts";
import { backwardTilesWgsl, forwardTilesWgsl } from "./mlp_tiles_wgsl.ts";

/** The train_step kernel: `pipeline` and `pipelineSync` per grouping, input precision and tile plan. */
export const TRAIN_STEP: MlpKernel = mlpKernel(
  "train_step",
  [FINITE_WGSL, ADAM_WGSL, MLP_WGSL],
  (plan) => [forwardTilesWgsl(plan), backwardTilesWgsl(plan)],
  { file: "shaders/train_step.wgsl", code: trainWgsl },
);

/**
 * Encodes `steps` train-step dispatches of a P-model grid into one pass (no readback between).
 * Step k binds `bindGroups[(first + k) % 2]`: the two bind groups swap the parameter buffers read
 * and written (shaders/train_step.wgsl reads `params` and writes `params_out`).
 */
export function encodeTrainSteps(
  pass: GPUComputePassEncoder,
  pipeline: GPUComputePipeline,
  bindGroups: readonly [GPUBindGroup, GPUBindGroup],
  grid: [number, number],
  first: number,
  steps: number,
): void {
  pass.setPipeline(pipeline);
  for (let k = 0; k < steps; k++) {
    pass.setBindGroup(0, bindGroups[(first + k) % 2]!);
    pass.dispatchWorkgroups(grid[0], grid[1]);
  }
}
