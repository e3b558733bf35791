/** The few-shot validation metric (meta/few_shot/metric.ts): which part it reads, which way is better. */
import assert from "node:assert/strict";
import { metricPart, metricScore } from "../../../meta/few_shot/metric.ts";

Deno.test("metricPart reads the accuracy or the loss of a curve", () => {
  const c = { accuracy: [1, 2], loss: [3, 4] };
  assert.equal(metricPart(c, "accuracy"), c.accuracy);
  assert.equal(metricPart(c, "loss"), c.loss);
});

Deno.test("metricScore: higher accuracy and lower loss score higher; a non-finite loss scores -Infinity", () => {
  assert.ok(metricScore(0.9, "accuracy") > metricScore(0.5, "accuracy"));
  assert.ok(metricScore(0.1, "loss") > metricScore(0.5, "loss"));
  assert.equal(metricScore(0.25, "loss"), -0.25);
  for (const y of [NaN, Infinity, -Infinity]) assert.equal(metricScore(y, "loss"), -Infinity);
});
