/**
 * Plain-loop TypeScript twins of the MLP init and batch-sampling kernels: `initParamsCpu`
 * (shaders/init_params.wgsl) and `sampleBatchesCpu` (shaders/sample_batches.wgsl), re-exported by
 * mlp_cpu.ts.
 * @module
 */
import { rngInt, rngNormal } from "../../core/rng.ts";
import type { MlpLayout } from "./mlp_layout.ts";
import type { MlpState } from "./mlp_state.ts";

/** std of the init for layer l. */
export function initStd(layout: MlpLayout, l: number): number {
  const fin = layout.widths[l]!;
  const fout = layout.widths[l + 1]!;
  return layout.init === "he" ? Math.sqrt(2 / fin) : Math.sqrt(2 / (fin + fout));
}

/** Zeroes optimizer state, step counters and metrics (Population.reset's twin). */
export function resetStateCpu(s: MlpState): void {
  s.opt.fill(0);
  s.steps.fill(0);
  s.metrics.fill(0);
}

/**
 * Init twin: weight k of model p is initStd(l) * rngNormal(seed, first + p, k); biases and padding
 * are 0. Optimizer state, steps and metrics are zeroed.
 */
export function initParamsCpu(layout: MlpLayout, s: MlpState, seed: number, first = 0): void {
  const { size, stride, layers, weightOffset, biasOffset } = layout;
  s.params.fill(0);
  resetStateCpu(s);
  for (let p = 0; p < size; p++) {
    for (let l = 0; l < layers; l++) {
      const std = initStd(layout, l);
      for (let k = weightOffset[l]!; k < biasOffset[l]!; k++) {
        s.params[p * stride + k] = std * rngNormal(seed, first + p, k);
      }
    }
  }
}

/**
 * Batch sampler twin: for model p, slot s and position b, the index is
 * `start[p] + rngInt(seed, k, count[p], c * batchSize + b, round)` with k = keys[p] (default p) and
 * c = s, except that the last slot (s = numBatches - 1) draws from c = lastSlot (default s);
 * ranges is (P, 2) = (start, count).
 */
export function sampleBatchesCpu(
  layout: MlpLayout,
  ranges: Uint32Array,
  numBatches: number,
  seed: number,
  round: number,
  keys?: Uint32Array,
  lastSlot = numBatches - 1,
): Uint32Array<ArrayBuffer> {
  const B = layout.batchSize;
  const out = new Uint32Array(layout.size * numBatches * B);
  for (let p = 0; p < layout.size; p++) {
    const start = ranges[2 * p]!;
    const count = ranges[2 * p + 1]!;
    for (let s = 0; s < numBatches; s++) {
      const c = s === numBatches - 1 ? lastSlot : s;
      for (let b = 0; b < B; b++) {
        out[(p * numBatches + s) * B + b] = start +
          rngInt(seed, keys ? keys[p]! : p, count, c * B + b, round);
      }
    }
  }
  return out;
}
