import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { HostAdam } from "../../../learners/optimizers/host_adam.ts";

Deno.test("HostAdam.step matches a plain Adam recurrence over three steps", () => {
  const grads = [[0.5, -2, 0], [0.1, 1, 3], [-0.4, 0.2, -1]];
  const theta = new Float64Array([1, -1, 0.25]);
  const want = Array.from(theta);
  const m = [0, 0, 0], v = [0, 0, 0];
  const adam = new HostAdam(3);
  for (let t = 1; t <= grads.length; t++) {
    const g = grads[t - 1]!;
    for (let i = 0; i < 3; i++) {
      m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
      v[i] = 0.999 * v[i]! + 0.001 * g[i]! ** 2;
      const mh = m[i]! / (1 - 0.9 ** t), vh = v[i]! / (1 - 0.999 ** t);
      want[i] = want[i]! - 0.01 * mh / (Math.sqrt(vh) + 1e-8);
    }
    adam.step(theta, g, 0.01);
  }
  assertEquals(adam.steps, 3);
  for (let i = 0; i < 3; i++) assert(Math.abs(theta[i]! - want[i]!) <= 1e-12, `theta[${i}]`);
});

Deno.test("HostAdam.step counts non-finite gradient entries as 0 and stops at count", () => {
  const theta = new Float32Array([1, 2, 3]);
  new HostAdam(3).step(theta, [NaN, Infinity, 1], 0.1, 2);
  assertEquals(Array.from(theta), [1, 2, 3]);
});

Deno.test("HostAdam.clone copies the moments and the step count, then evolves independently", () => {
  const a = new HostAdam(2);
  const x = new Float64Array([0, 0]);
  a.step(x, [1, -1], 0.1);
  const b = a.clone();
  const y = Float64Array.from(x);
  a.step(x, [1, 1], 0.1);
  b.step(y, [1, 1], 0.1);
  assertEquals(Array.from(x), Array.from(y));
  assertEquals(b.steps, 2);
  b.step(y, [5, 5], 0.1);
  assert(x[0] !== y[0]);
});
