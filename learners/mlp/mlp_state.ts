/**
 * The host arrays of an MLP population (the CPU backend's state, which the GPU buffers mirror) and
 * the host view of a data set, as the CPU twins in mlp_cpu.ts read them.
 * @module
 */
import { KNOB_STRIDE, LEARNED_STRIDE } from "../optimizers/knobs.ts";
import { METRIC_STRIDE } from "../metrics_row.ts";
import type { MlpLayout } from "./mlp_layout.ts";

/** Everything a population holds, as host arrays (the CPU backend's state; the GPU mirrors it). */
export interface MlpState {
  /** (P, stride) parameters. */
  params: Float32Array<ArrayBuffer>;
  /** (P, 2, stride): first-moment (momentum) then second-moment (Adam) buffers. */
  opt: Float32Array<ArrayBuffer>;
  /** (P) optimizer steps taken. */
  steps: Uint32Array<ArrayBuffer>;
  /**
   * (P, METRIC_STRIDE) rows (learners/metrics_row.ts): last train step's mean loss, gradient norm (before clipping), diverged flag, and the
   * previous step's loss (kept by the learned optimizer; 0 otherwise).
   */
  metrics: Float32Array<ArrayBuffer>;
  /** (P, KNOB_STRIDE) hyperparameters. */
  knobs: Float32Array<ArrayBuffer>;
  /** (P, numBatches, batchSize) sample indices. */
  batchIdx: Uint32Array<ArrayBuffer>;
  /** Batches per model in batchIdx; step s uses batch s % numBatches. */
  numBatches: number;
  /** (P, labelMapWidth): class label -> model-local label; width 0 means labels as stored. */
  labelMap: Uint32Array<ArrayBuffer>;
  /** Width of labelMap rows (0: identity). */
  labelMapWidth: number;
  /** (P, LEARNED_STRIDE) learned-optimizer meta-network rows (zero: plain momentum SGD). */
  learned: Float32Array<ArrayBuffer>;
}

/**
 * Models from..to-1 of a population. With `next`, a counter in shared memory that threads stepping
 * the same range draw from: each takes model from + Atomics.add(next, 0, 1) until that reaches `to`,
 * so that a thread that starts late or runs slowly takes fewer models (train_threads.ts).
 */
export interface ModelRange {
  from: number;
  to: number;
  next?: Int32Array;
}

/**
 * The model a thread steps after model p of `models` (the first: p = models.from - 1): the next one,
 * or with a counter the next one not yet drawn; `models.to` or more when none is left.
 */
export function modelAfter(models: ModelRange, p: number): number {
  return models.next ? models.from + Atomics.add(models.next, 0, 1) : p + 1;
}

/** Host view of a data set as the kernels see it. */
export interface MlpData {
  /** Inputs, (count, inputs) row-major. */
  x: Float32Array;
  /** Targets, (count, targetWidth) row-major. */
  y: Float32Array;
  /** Number of samples. */
  count: number;
  /** Input width. */
  inputs: number;
  /** Targets per sample (1 for class labels). */
  targetWidth: number;
}

/** Allocates a zeroed state for a layout (one batch slot of zeros, identity labels). */
export function createMlpState(layout: MlpLayout): MlpState {
  const P = layout.size;
  return {
    params: new Float32Array(P * layout.stride),
    opt: new Float32Array(P * 2 * layout.stride),
    steps: new Uint32Array(P),
    metrics: new Float32Array(P * METRIC_STRIDE),
    knobs: new Float32Array(P * KNOB_STRIDE),
    batchIdx: new Uint32Array(P * layout.batchSize),
    numBatches: 1,
    labelMap: new Uint32Array(1),
    labelMapWidth: 0,
    learned: new Float32Array(P * LEARNED_STRIDE),
  };
}
