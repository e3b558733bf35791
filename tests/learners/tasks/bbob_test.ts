// The BBOB suite: zero at the optimum, positive elsewhere, seeded instances, all five groups.
import { equal, notEqual, ok } from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import {
  BBOB_FUNCTIONS,
  BBOB_GROUPS,
  BBOB_IDS,
  bbobBatch,
  bbobInstance,
  bbobValue,
} from "../../../learners/tasks/bbob.ts";

Deno.test("BBOB suite has >= 12 functions covering every group", () => {
  ok(BBOB_IDS.length >= 12);
  for (const g of BBOB_GROUPS) ok(BBOB_IDS.some((f) => BBOB_FUNCTIONS[f]!.group === g), g);
});

for (const dim of [2, 10, 40, 100]) {
  Deno.test(`bbobValue() is ~0 at x_opt and > 0 at random points when D=${dim}`, () => {
    const rng = new Rng(dim, 3);
    for (const fid of BBOB_IDS) {
      const inst = bbobInstance(fid, dim, 2, 9);
      const at = bbobValue(inst, inst.xopt);
      ok(Math.abs(at) <= 1e-9, `f${fid} at x_opt: ${at}`);
      for (let k = 0; k < 5; k++) {
        const x = Array.from({ length: dim }, () => rng.range(-5, 5));
        ok(bbobValue(inst, x) > 1e-6, `f${fid} at a random point`);
      }
    }
  });
}

Deno.test("bbobInstance() is reproducible per (seed, instance) and differs across instances", () => {
  const a = bbobInstance(15, 10, 3, 1);
  const b = bbobInstance(15, 10, 3, 1);
  const c = bbobInstance(15, 10, 4, 1);
  equal(a.xopt.join(), b.xopt.join());
  equal(a.R.join(), b.R.join());
  notEqual(a.xopt.join(), c.xopt.join());
  notEqual(a.R.join(), c.R.join());
});

Deno.test("bbobBatch() equals bbobValue() row by row; f1 is |x - x_opt|^2", () => {
  const inst = bbobInstance(1, 3, 0, 0);
  const xs = Float64Array.of(1, 2, 3, -1, 0, 0.5);
  const v = bbobBatch(inst, xs, 2);
  equal(v[1], bbobValue(inst, [-1, 0, 0.5]));
  const want = [1, 2, 3].reduce((s, x, i) => s + (x - inst.xopt[i]!) ** 2, 0);
  ok(Math.abs(v[0]! - want) < 1e-12);
});
