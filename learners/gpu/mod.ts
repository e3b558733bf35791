/**
 * The WebGPU backend: populations and data sets resident on a device, the kernels a population
 * runs, how it is split into dispatches (chunks) and how models move between host and device.
 * @module
 */
export * from "./gpu_backend.ts";
export type { TrainChunk, TrainRun } from "../mlp/train_step.ts";
