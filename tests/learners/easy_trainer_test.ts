import assert from "node:assert/strict";
import { train } from "../../learners/easy_trainer.ts";

Deno.test("train() learns XOR and returns a model whose predict() is right on every point", async () => {
  const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
  const model = await train(x, [0, 1, 1, 0], {
    validation: 0,
    steps: 600,
    hidden: [16],
    batchSize: 4,
    seed: 3,
  });
  assert.equal(model.task, "classification");
  assert.deepEqual(Array.from(model.predict(x)), [0, 1, 1, 0]);
  assert.equal(model.validationAccuracy, 1);
  assert.ok(model.lr > 0);
});

Deno.test("train() fits a regression y = 2x - 1 to a small mean squared error", async () => {
  const xs = Array.from({ length: 64 }, (_, i) => [i / 32 - 1]);
  const ys = xs.map(([v]) => 2 * v! - 1 + 0.25);
  const model = await train(xs, ys, { task: "regression", steps: 800, seed: 1 });
  assert.equal(model.task, "regression");
  const pred = model.predict([[0.5], [-0.5]]);
  assert.ok(Math.abs(pred[0]! - 0.25) < 0.15, `f(0.5) = ${pred[0]}`);
  assert.ok(Math.abs(pred[1]! + 1.75) < 0.15, `f(-0.5) = ${pred[1]}`);
  assert.ok(model.validationLoss < 0.05, `validation loss ${model.validationLoss}`);
});

Deno.test("train() rejects mismatched rows and a bad validation fraction naming the field", async () => {
  await assert.rejects(() => train([[1, 2], [3]], [0, 1]), /x\[1\]: must have 2 values/);
  await assert.rejects(
    () => train([[1], [2]], [0, 1], { validation: 1 }),
    /validation: must be in \[0, 1\)/,
  );
});
