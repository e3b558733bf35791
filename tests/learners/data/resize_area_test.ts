/** Area resampling of image data sets: pooling at integer ratios, exact coverage weights otherwise. */
import assert from "node:assert/strict";
import type { ImageDataset } from "../../../learners/data/image_dataset.ts";
import { downsample } from "../../../learners/data/preprocess.ts";
import { resizeArea } from "../../../learners/data/resize_area.ts";

/** `count` images of h x w with pixel (n, r, c) = f(n, r, c). */
function images(
  count: number,
  h: number,
  w: number,
  f: (n: number, r: number, c: number) => number,
): ImageDataset {
  const x = new Float32Array(count * h * w);
  for (let n = 0; n < count; n++) {
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) x[(n * h + r) * w + c] = f(n, r, c);
  }
  return {
    x,
    y: Float32Array.from({ length: count }, (_, n) => n % 2),
    count,
    inputs: h * w,
    targetWidth: 1,
    classes: 2,
    height: h,
    width: w,
    classNames: ["a", "b"],
  } as unknown as ImageDataset;
}

/** The plain definition: the integral of the piecewise-constant image over each output cell. */
function integralTwin(d: ImageDataset, h: number, w: number): Float64Array {
  const out = new Float64Array(d.count * h * w);
  const sy = d.height / h;
  const sx = d.width / w;
  const overlap = (lo: number, hi: number, i: number) =>
    Math.max(0, Math.min(hi, i + 1) - Math.max(lo, i));
  for (let n = 0; n < d.count; n++) {
    for (let o = 0; o < h; o++) {
      for (let p = 0; p < w; p++) {
        let acc = 0;
        for (let r = 0; r < d.height; r++) {
          for (let c = 0; c < d.width; c++) {
            const a = overlap(o * sy, (o + 1) * sy, r) * overlap(p * sx, (p + 1) * sx, c);
            acc += a * d.x[(n * d.height + r) * d.width + c]!;
          }
        }
        out[(n * h + o) * w + p] = acc / (sy * sx);
      }
    }
  }
  return out;
}

function assertNear(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++) {
    assert.ok(
      Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)),
      `index ${i}: ${got[i]} vs ${want[i]}`,
    );
  }
}

Deno.test("resizeArea equals average pooling at an integer ratio (28 -> 14, 28 -> 7)", () => {
  const d = images(3, 28, 28, (n, r, c) => ((n * 31 + r * 7 + c * 13) % 17) / 17);
  for (const f of [2, 4]) {
    const got = resizeArea(d, 28 / f, 28 / f);
    assert.deepEqual([got.height, got.width, got.inputs], [28 / f, 28 / f, (28 / f) ** 2]);
    assertNear(got.x, downsample(d, f).x, 1e-6);
    assert.equal(got.y, d.y);
  }
});

Deno.test("resizeArea matches the integral over each output cell at 28 -> 16 and 28 -> 9x11", () => {
  const d = images(
    2,
    28,
    28,
    (n, r, c) => Math.sin(n + r * 0.7) * Math.cos(c * 0.3) + (r === c ? 1 : 0),
  );
  for (const [h, w] of [[16, 16], [9, 11]] as const) {
    const got = resizeArea(d, h, w);
    assertNear(got.x, integralTwin(d, h, w), 1e-5);
  }
  // A constant image stays constant and the mean of any image is kept.
  const flat = resizeArea(images(1, 28, 28, () => 0.25), 16, 16);
  assertNear(flat.x, new Float32Array(256).fill(0.25), 1e-6);
  const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
  assert.ok(
    Math.abs(mean(resizeArea(d, 16, 16).x.subarray(0, 256)) - mean(d.x.subarray(0, 784))) < 1e-5,
  );
});

Deno.test("resizeArea rejects a size larger than the input or not an integer", () => {
  const d = images(1, 28, 28, () => 0);
  assert.throws(() => resizeArea(d, 29, 16), /height must be an integer in \[1, 28\]/);
  assert.throws(() => resizeArea(d, 16, 0), /width must be an integer in \[1, 28\]/);
  assert.throws(() => resizeArea(d, 15.5, 16), RangeError);
});
