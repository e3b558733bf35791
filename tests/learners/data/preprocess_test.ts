import assert from "node:assert/strict";
import {
  downsample,
  flattenSamples,
  normalizeToUnit,
  standardize,
} from "../../../learners/data/preprocess.ts";
import type { ImageDataset } from "../../../learners/data/image_dataset.ts";

function images(): ImageDataset {
  // Two 4x4 images: 0..15 and 16..31.
  return {
    count: 2,
    inputs: 16,
    targetWidth: 1,
    classes: 2,
    x: Float32Array.from({ length: 32 }, (_, i) => i),
    y: Float32Array.from([0, 1]),
    height: 4,
    width: 4,
    classNames: ["a", "b"],
  };
}

Deno.test("flattenSamples concatenates equal-length samples and rejects ragged ones", () => {
  assert.deepEqual(Array.from(flattenSamples([[1, 2], [3, 4]])), [1, 2, 3, 4]);
  assert.throws(
    () => flattenSamples([[1, 2], [3]]),
    /must have length 2: current value is 1 \(sample 1\)/,
  );
});

Deno.test("normalizeToUnit maps the global range to [0, 1] without touching the input", () => {
  const d = images();
  const n = normalizeToUnit(d);
  assert.equal(n.x[0], 0);
  assert.equal(n.x[31], 1);
  assert.ok(Math.abs(n.x[16]! - 16 / 31) < 1e-7);
  assert.equal(d.x[31], 31);
  assert.equal(n.height, 4);
});

Deno.test("standardize gives zero mean, unit variance and reuses stats", () => {
  const { dataset, stats } = standardize(images());
  let m = 0;
  let v = 0;
  for (const x of dataset.x) m += x;
  m /= 32;
  for (const x of dataset.x) v += (x - m) ** 2;
  assert.ok(Math.abs(m) < 1e-6 && Math.abs(v / 32 - 1) < 1e-5);
  const again = standardize(images(), { stats });
  assert.deepEqual(again.dataset.x, dataset.x);
  const per = standardize(images(), { perFeature: true });
  assert.equal(per.stats.mean.length, 16);
  assert.equal(per.dataset.x[0], -1);
  assert.equal(per.dataset.x[16], 1);
});

Deno.test("downsample average-pools by an integer factor", () => {
  const d = downsample(images(), 2);
  assert.equal(d.height, 2);
  assert.equal(d.width, 2);
  assert.equal(d.inputs, 4);
  assert.deepEqual(Array.from(d.x.subarray(0, 4)), [2.5, 4.5, 10.5, 12.5]);
  assert.throws(() => downsample(images(), 3), /factor must divide the image size 4x4/);
});
