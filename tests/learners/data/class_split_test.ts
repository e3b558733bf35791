import assert from "node:assert/strict";
import {
  explicitClassSplit,
  splitClasses,
  validateClassSplit,
} from "../../../learners/data/class_split.ts";

Deno.test("splitClasses gives disjoint lists covering the requested sizes", () => {
  const s = splitClasses(100, { train: 64, validation: 16, test: 20, seed: 3 });
  assert.equal(s.train.length, 64);
  assert.equal(s.validation.length, 16);
  assert.equal(s.test.length, 20);
  const all = new Set([...s.train, ...s.validation, ...s.test]);
  assert.equal(all.size, 100);
  validateClassSplit(s);
  assert.deepEqual(Array.from(s.train), Array.from(s.train).sort((a, b) => a - b));
});

Deno.test("splitClasses is deterministic per seed and test defaults to the rest", () => {
  const a = splitClasses(20, { train: 10, validation: 3, seed: 1 });
  assert.deepEqual(a, splitClasses(20, { train: 10, validation: 3, seed: 1 }));
  assert.notDeepEqual(a.train, splitClasses(20, { train: 10, validation: 3, seed: 2 }).train);
  assert.equal(a.test.length, 7);
});

Deno.test("splitClasses rejects asking for more classes than exist", () => {
  assert.throws(
    () => splitClasses(10, { train: 6, validation: 3, test: 2 }),
    /train\+validation\+test must be <= 10 classes: current value is 11/,
  );
});

Deno.test("explicitClassSplit rejects overlap and out-of-range classes", () => {
  const s = explicitClassSplit(5, { train: [4, 0], test: [2] });
  assert.deepEqual(Array.from(s.train), [0, 4]);
  assert.throws(
    () => explicitClassSplit(5, { train: [0, 1], validation: [1] }),
    /class 1 must be in one list only: current lists are train and validation/,
  );
  assert.throws(() => explicitClassSplit(5, { train: [5] }), /must be integers in \[0, 4\]/);
});
