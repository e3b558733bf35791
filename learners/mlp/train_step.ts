/**
 * Wrapper of `shaders/train_step.wgsl`: the fused forward/loss/backward/update kernel.
 * Twin: `trainStepCpu` in mlp_cpu.ts.
 * @module
 */
import trainWgsl from "../../shaders/train_step.wgsl" with { type: "text" };
import trainTilesWgsl from "../../shaders/_train_tiles.wgsl" with { type: "text" };
import { MLP_WGSL, type MlpKernel, mlpKernel } from "./mlp_kernel.ts";
import { ADAM_WGSL, FINITE_WGSL } from "./wgsl_parts.ts";
import { backwardTilesWgsl, forwardTilesWgsl } from "./mlp_tiles_wgsl.ts";
import { fusedStepWgsl } from "./mlp_fused_wgsl.ts";
import { fused2StepWgsl, fused2ViewsWgsl } from "./mlp_fused2_wgsl.ts";
import { trainScratchWgsl } from "./scratch_wgsl.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { submit } from "../../core/submit_batch.ts";
import { KNOB_LAYOUT, LEARNED_LAYOUT } from "../optimizers/knobs.ts";
import { METRIC_LAYOUT } from "../metrics_row.ts";

/** The tiled forward_backward of train_step (plans without a fused step). */
const TRAIN_TILES_WGSL = { file: "shaders/_train_tiles.wgsl", code: trainTilesWgsl };

/**
 * The train_step kernel: `pipeline` and `pipelineSync` per grouping, input precision and tile plan.
 * Its scratch (binding 7, or workgroup memory for a plan with `scratchWords`) is declared by
 * learners/mlp/scratch_wgsl.ts.
 * Its forward_backward is the fused step's (learners/mlp/mlp_fused_wgsl.ts, or for two hidden layers
 * mlp_fused2_wgsl.ts, with its own vec4 views and no forward tiles) when the plan has one,
 * else the tiles' (shaders/_train_tiles.wgsl); the forward tiles are composed either way (the
 * shared forward pass of shaders/_mlp.wgsl calls them; a fused step leaves them unused).
 */
export const TRAIN_STEP: MlpKernel = mlpKernel(
  "train_step",
  [FINITE_WGSL, ADAM_WGSL, KNOB_LAYOUT.wgsl, LEARNED_LAYOUT.wgsl, METRIC_LAYOUT.wgsl, MLP_WGSL],
  (plan) =>
    plan.fused
      ? [trainScratchWgsl(plan), forwardTilesWgsl(plan), fusedStepWgsl(plan.fused)]
      : plan.fused2
      ? [trainScratchWgsl(plan), fused2ViewsWgsl(plan.fused2), fused2StepWgsl(plan.fused2)]
      : [trainScratchWgsl(plan), forwardTilesWgsl(plan), backwardTilesWgsl(plan), TRAIN_TILES_WGSL],
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

/** Train steps encoded per submit at most (a long run is split into several submits). */
const MAX_STEPS_PER_SUBMIT = 256;

/** One dispatch chunk of a population: its grid and its two train-step bind groups. */
export interface TrainChunk {
  /** Dispatch grid of the chunk's models. */
  grid: [number, number];
  /** Reading parameters from buffer a and writing b, then the reverse. */
  groups: readonly [GPUBindGroup, GPUBindGroup];
}

/** A population's train step ready to encode: pipeline, chunks and the two parameter buffers. */
export interface TrainRun {
  /** The train-step pipeline. */
  pipeline: GPUComputePipeline;
  /** The population's dispatch chunks. */
  chunks: TrainChunk[];
  /** [a, b]: a holds the current parameters; the chunks' first bind group reads a, writes b. */
  buffers: readonly [GPUBuffer, GPUBuffer];
}

/**
 * Encodes and submits `steps` train steps of every chunk. Steps alternate the parameter buffers
 * `[a, b]` (read one, write the other); after an odd number of steps b is copied back to a, so
 * that a always holds the current parameters.
 */
export function encodeTrainRun(
  ctx: GpuContext,
  pipeline: GPUComputePipeline,
  chunks: TrainChunk[],
  steps: number,
  [a, b]: readonly [GPUBuffer, GPUBuffer],
): void {
  for (let done = 0; done < steps; done += MAX_STEPS_PER_SUBMIT) {
    const enc = ctx.device.createCommandEncoder({ label: "train" });
    const pass = enc.beginComputePass({ label: "train-steps" });
    // Chunks hold disjoint models, so each chunk runs all its steps in order before the next.
    // Alternating chunks at every step was slow on lavapipe (measured with maxBindingBytes:
    // 1024 W models in 4 chunks trained at 1,597 model-steps/s interleaved, 10,860 in order;
    // 16,384 models, 16 chunks: 3,842 in order, time spent inside the driver, not the kernel).
    for (const c of chunks) {
      const n = Math.min(MAX_STEPS_PER_SUBMIT, steps - done);
      encodeTrainSteps(pass, pipeline, c.groups, c.grid, done, n);
    }
    pass.end();
    if (done + MAX_STEPS_PER_SUBMIT >= steps && steps % 2 === 1) {
      enc.copyBufferToBuffer(b, 0, a, 0, a.size);
    }
    submit(ctx, enc.finish());
  }
}
