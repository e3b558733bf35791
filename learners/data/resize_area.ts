/**
 * Area resampling of square or rectangular images to any smaller size: each output pixel is the
 * mean of the input area it covers, input pixels cut by its edges counting by the share they
 * overlap (the box filter of OpenCV's INTER_AREA). At an integer ratio it is average pooling.
 * @module
 */
import type { ImageDataset } from "./image_dataset.ts";

/** For one axis of n input pixels resampled to m: per output pixel, its input pixels and weights. */
function axisWeights(n: number, m: number): { index: number[]; weight: number[] }[] {
  const step = n / m;
  return Array.from({ length: m }, (_, o) => {
    const lo = o * step;
    const hi = (o + 1) * step;
    const index: number[] = [];
    const weight: number[] = [];
    for (let i = Math.floor(lo); i < Math.min(n, Math.ceil(hi)); i++) {
      const w = Math.min(hi, i + 1) - Math.max(lo, i);
      if (w > 1e-9) {
        index.push(i);
        weight.push(w / step);
      }
    }
    return { index, weight };
  });
}

/**
 * Resamples every image of `d` to `height` x `width` (each <= the input's) by area averaging;
 * labels and class names are kept.
 */
export function resizeArea(d: ImageDataset, height: number, width: number): ImageDataset {
  for (const [name, v, max] of [["height", height, d.height], ["width", width, d.width]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw new RangeError(
        `Cannot resize images as ${name} must be an integer in [1, ${max}]: current value is ${v}`,
      );
    }
  }
  if (d.inputs !== d.height * d.width) {
    throw new TypeError(
      `Cannot resize images as inputs must equal height*width = ${
        d.height * d.width
      }: current value is ${d.inputs}`,
    );
  }
  const rows = axisWeights(d.height, height);
  const cols = axisWeights(d.width, width);
  const x = new Float32Array(d.count * height * width);
  for (let n = 0; n < d.count; n++) {
    const src = n * d.inputs;
    let dst = n * height * width;
    for (const r of rows) {
      for (const c of cols) {
        let acc = 0;
        for (let a = 0; a < r.index.length; a++) {
          const row = src + r.index[a]! * d.width;
          let line = 0;
          for (let b = 0; b < c.index.length; b++) line += c.weight[b]! * d.x[row + c.index[b]!]!;
          acc += r.weight[a]! * line;
        }
        x[dst++] = acc;
      }
    }
  }
  return { ...d, x, inputs: height * width, height, width };
}
