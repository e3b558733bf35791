/**
 * Wrapper of `shaders/evaluate.wgsl`: loss and accuracy per model. Twin: `evaluateCpu`.
 * @module
 */
import evalWgsl from "../shaders/evaluate.wgsl" with { type: "text" };
import { MLP_WGSL, type MlpKernel, mlpKernel } from "./mlp_uniform.ts";

/** The evaluate kernel: `pipeline` and `pipelineSync` per grouping and input precision. */
export const EVALUATE: MlpKernel = mlpKernel("evaluate", [MLP_WGSL], {
  file: "shaders/evaluate.wgsl",
  code: evalWgsl,
});
