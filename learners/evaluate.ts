/**
 * Wrapper of `shaders/evaluate.wgsl`: loss and accuracy per model. Twin: `evaluateCpu`.
 * @module
 */
import evalWgsl from "../shaders/evaluate.wgsl" with { type: "text" };
import { MLP_WGSL, type MlpKernel, mlpKernel } from "./mlp_uniform.ts";
import { forwardTilesWgsl } from "./mlp_tiles_wgsl.ts";

/** The evaluate kernel: `pipeline` and `pipelineSync` per grouping, input precision and tile plan. */
export const EVALUATE: MlpKernel = mlpKernel(
  "evaluate",
  [MLP_WGSL],
  (plan) => [forwardTilesWgsl(plan)],
  { file: "shaders/evaluate.wgsl", code: evalWgsl },
);
