/**
 * Preprocessing of data sets in host memory: flattening per-sample arrays, scaling to [0, 1],
 * standardising to zero mean and unit variance, and downsampling images by average pooling.
 * Every function returns a new data set and leaves its input unchanged.
 * @module
 */

import type { Dataset } from "../dataset.ts";
import type { ImageDataset } from "./image_dataset.ts";

/** Concatenates per-sample arrays of equal length into one (count, length) row-major array. */
export function flattenSamples(samples: readonly ArrayLike<number>[]): Float32Array<ArrayBuffer> {
  if (samples.length === 0) return new Float32Array(0);
  const width = samples[0]!.length;
  const out = new Float32Array(samples.length * width);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (s.length !== width) {
      throw new TypeError(
        `Cannot flatten samples as every sample must have length ${width}: current value is ${s.length} (sample ${i})`,
      );
    }
    out.set(s, i * width);
  }
  return out;
}

/**
 * Scales inputs to [0, 1] by one global min-max: x' = (x - min) / (max - min), min and max over
 * all inputs of the data set (a constant data set becomes all zeros).
 */
export function normalizeToUnit<T extends Dataset>(d: T): T {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < d.x.length; i++) {
    const v = d.x[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const inv = hi > lo ? 1 / (hi - lo) : 0;
  const x = new Float32Array(d.x.length);
  for (let i = 0; i < x.length; i++) x[i] = (d.x[i]! - lo) * inv;
  return { ...d, x };
}

/** Mean and standard deviation used by `standardize`: one value each (global) or one per input. */
export interface FeatureStats {
  /** Means: length 1 (global) or `inputs` (per feature). */
  mean: Float32Array<ArrayBuffer>;
  /** Standard deviations (population, floored at `epsilon`), same length as `mean`. */
  std: Float32Array<ArrayBuffer>;
}

/** Options of `standardize`. */
export interface StandardizeOptions {
  /** One mean/std per input column instead of one global pair (default false). */
  perFeature?: boolean;
  /** Use these statistics (e.g. the training split's) instead of computing them. */
  stats?: FeatureStats;
  /** Smallest std used, so constant pixels do not divide by 0 (default 1e-6). */
  epsilon?: number;
}

/**
 * Standardises inputs to zero mean and unit variance: x' = (x - mean) / std, with one global
 * mean/std over all inputs (default) or one per input column; returns the statistics so the same
 * transform can be applied to another split.
 */
export function standardize<T extends Dataset>(
  d: T,
  options: StandardizeOptions = {},
): { dataset: T; stats: FeatureStats } {
  const width = options.perFeature ? d.inputs : 1;
  let stats = options.stats;
  if (stats === undefined) {
    const eps = options.epsilon ?? 1e-6;
    const sum = new Float64Array(width);
    const sq = new Float64Array(width);
    for (let i = 0; i < d.x.length; i++) {
      const c = width === 1 ? 0 : i % width;
      const v = d.x[i]!;
      sum[c] = sum[c]! + v;
      sq[c] = sq[c]! + v * v;
    }
    const n = d.x.length / width;
    const mean = new Float32Array(width);
    const std = new Float32Array(width);
    for (let c = 0; c < width; c++) {
      const m = sum[c]! / n;
      mean[c] = m;
      std[c] = Math.max(eps, Math.sqrt(Math.max(0, sq[c]! / n - m * m)));
    }
    stats = { mean, std };
  } else if (stats.mean.length !== width || stats.std.length !== width) {
    throw new TypeError(
      `Cannot standardize as stats.mean and stats.std must have length ${width}: current value is ${stats.mean.length}`,
    );
  }
  const x = new Float32Array(d.x.length);
  for (let i = 0; i < x.length; i++) {
    const c = width === 1 ? 0 : i % width;
    x[i] = (d.x[i]! - stats.mean[c]!) / stats.std[c]!;
  }
  return { dataset: { ...d, x }, stats };
}

/**
 * Downsamples images by an integer factor with average pooling over factor x factor blocks
 * (28x28 with factor 2 -> 14x14); height and width must be divisible by the factor.
 */
export function downsample(d: ImageDataset, factor: number): ImageDataset {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new RangeError(
      `Cannot downsample as factor must be an integer >= 1: current value is ${factor}`,
    );
  }
  if (d.height % factor !== 0 || d.width % factor !== 0) {
    throw new RangeError(
      `Cannot downsample as factor must divide the image size ${d.height}x${d.width}: current value is ${factor}`,
    );
  }
  if (d.inputs !== d.height * d.width) {
    throw new TypeError(
      `Cannot downsample as inputs must equal height*width = ${
        d.height * d.width
      }: current value is ${d.inputs}`,
    );
  }
  const h = d.height / factor;
  const w = d.width / factor;
  const inv = 1 / (factor * factor);
  const x = new Float32Array(d.count * h * w);
  for (let n = 0; n < d.count; n++) {
    const src = n * d.inputs;
    const dst = n * h * w;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let acc = 0;
        for (let a = 0; a < factor; a++) {
          const row = src + (i * factor + a) * d.width + j * factor;
          for (let b = 0; b < factor; b++) acc += d.x[row + b]!;
        }
        x[dst + i * w + j] = acc * inv;
      }
    }
  }
  return { ...d, x, inputs: h * w, height: h, width: w };
}
