import assert from "node:assert/strict";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";

Deno.test("mlpLayout() rejects bad shapes with a message naming the field", () => {
  assert.throws(
    () => mlpLayout({ size: 4, widths: [3, 0, 2] }),
    /widths\[1\] must be in \[1, 256\]: current value is 0/,
  );
  assert.throws(
    () => mlpLayout({ size: 4, widths: [3, 300, 2] }),
    /widths\[1\] must be in \[1, 256\]: current value is 300/,
  );
  assert.throws(
    () => mlpLayout({ size: 0, widths: [3, 4, 2] }),
    /size must be in \[1, 4194304\]: current value is 0/,
  );
  assert.throws(() => mlpLayout({ size: 2, widths: [3, 2] }), /widths must have 3 to 5 entries/);
  assert.throws(
    () => mlpLayout({ size: 2, widths: [3, 4, 4, 4, 4, 2] }),
    /widths must have 3 to 5 entries/,
  );
  assert.throws(() => mlpLayout({ size: 2.5, widths: [3, 4, 2] }), TypeError);
  assert.throws(
    () => mlpLayout({ size: 2, widths: [3, 4, 2], batchSize: 0 }),
    /batchSize must be in \[1, 1024\]/,
  );
  assert.throws(
    () => mlpLayout({ size: 2, widths: [3, 4, 1] }),
    /output width must be >= 2 for cross_entropy/,
  );
});

Deno.test("mlpLayout() derives offsets, stride and activation offsets", () => {
  const l = mlpLayout({ size: 3, widths: [32, 64, 5] });
  assert.deepEqual(l.weightOffset, [0, 32 * 64 + 64]);
  assert.deepEqual(l.biasOffset, [32 * 64, 32 * 64 + 64 + 64 * 5]);
  assert.equal(l.paramCount, 32 * 64 + 64 + 64 * 5 + 5);
  assert.equal(l.stride % 4, 0);
  assert.deepEqual(l.actOffset, [0, 64]);
  assert.equal(l.actWidth, 69);
});
