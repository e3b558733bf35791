import assert from "node:assert/strict";
import { createObjective, OBJECTIVE_NAMES } from "../../../learners/tasks/objectives.ts";
import { Rng } from "../../../core/rng.ts";

for (const name of OBJECTIVE_NAMES) {
  Deno.test(`createObjective(${name}) is 0 at its shifted optimum and > 0 elsewhere`, () => {
    for (const dim of [1, 2, 10]) {
      const f = createObjective(name, dim, { seed: 5, task: 3 });
      assert.equal(f.optimumValue, 0);
      assert.equal(f.evaluate(f.optimum), 0);
      assert.equal(f.evaluate(Array.from(f.optimum)), 0);
      const rng = new Rng(17, dim);
      for (let t = 0; t < 20; t++) {
        const x = Float32Array.from(f.optimum, (o) => o + rng.range(-1, 1) * 0.5);
        assert.ok(f.evaluate(x) > 0, `${name} dim ${dim} value ${f.evaluate(x)}`);
      }
      const origin = new Float32Array(dim);
      assert.ok(f.evaluate(origin) > 0);
    }
  });
}

Deno.test("createObjective tasks differ by shift and rotation per task", () => {
  const a = createObjective("rastrigin", 4, { seed: 1, task: 0 });
  const b = createObjective("rastrigin", 4, { seed: 1, task: 1 });
  assert.notDeepEqual(a.optimum, b.optimum);
  assert.notDeepEqual(a.rotation, b.rotation);
  assert.deepEqual(a.optimum, createObjective("rastrigin", 4, { seed: 1, task: 0 }).optimum);
  for (const v of a.optimum) assert.ok(Math.abs(v) <= 2);
  // R is orthonormal: R R^T = I.
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let d = 0;
      for (let k = 0; k < 4; k++) d += a.rotation[i * 4 + k]! * a.rotation[j * 4 + k]!;
      assert.ok(Math.abs(d - (i === j ? 1 : 0)) < 1e-6);
    }
  }
});

Deno.test("createObjective unshifted unrotated values match the textbook formulas", () => {
  const o = { shiftRange: 0, rotate: false };
  assert.equal(createObjective("sphere", 3, o).evaluate([1, 2, 3]), 14);
  assert.ok(Math.abs(createObjective("rastrigin", 2, o).evaluate([0.5, 0]) - 20.25) < 1e-9);
  // Rosenbrock in x-coordinates: f(x) with w = x + 1; x = (-1, -1) is w = 0: 1.
  assert.ok(Math.abs(createObjective("rosenbrock", 2, o).evaluate([-1, -1]) - 1) < 1e-12);
  const ack = createObjective("ackley", 2, o).evaluate([1, 1]);
  const ref = -20 * Math.exp(-0.2) - Math.exp(1) + 20 + Math.E;
  assert.ok(Math.abs(ack - ref) < 1e-12);
});

Deno.test("Objective.evaluateBatch matches evaluate row by row", () => {
  const f = createObjective("ackley", 6, { seed: 2 });
  const rng = new Rng(3);
  const xs = Float32Array.from({ length: 5 * 6 }, () => rng.range(-3, 3));
  const batch = f.evaluateBatch(xs, 5);
  for (let p = 0; p < 5; p++) assert.equal(batch[p], f.evaluate(xs.subarray(p * 6, p * 6 + 6)));
  assert.throws(() => f.evaluateBatch(xs, 4), TypeError);
  assert.throws(() => f.evaluate([1, 2]), /must have length 6/);
});
