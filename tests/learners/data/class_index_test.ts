import assert from "node:assert/strict";
import { buildClassIndex } from "../../../learners/data/class_index.ts";

Deno.test("buildClassIndex groups sample indices by class", () => {
  const idx = buildClassIndex({
    count: 6,
    inputs: 1,
    targetWidth: 1,
    classes: 3,
    x: new Float32Array(6),
    y: Float32Array.from([2, 0, 2, 1, 0, 2]),
  });
  assert.deepEqual(Array.from(idx.offsets), [0, 2, 3, 6]);
  assert.deepEqual(Array.from(idx.members), [1, 4, 3, 0, 2, 5]);
});
