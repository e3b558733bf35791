/**
 * The meta-learner registry: one looped smoke test over every entry (CPU backend, tiny synthetic
 * problem), and the contract of `MetaLearner.train`: the same theta as the matching loop of `step`.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { SyntheticClassification } from "../../../learners/tasks/synthetic_classification.ts";
import {
  createMetaLearner,
  initialTheta,
  META_LEARNERS,
  type MetaLearnerOptions,
} from "../../../meta/few_shot/mod.ts";
import { type FewShotProblem, fewShotProblem, trainValidated } from "./_problem.ts";

const FAMILY = new SyntheticClassification({
  inputs: 6,
  ways: 3,
  shots: 1,
  queryPerClass: 2,
  hidden: 8,
  latentDim: 4,
});
const OPTIONS: MetaLearnerOptions = { innerLr: 0.3, innerSteps: 2, metaLr: 0.01, sigma: 0.05 };

function setup(): FewShotProblem {
  const net = { widths: [6, 7, 3], batchSize: 6 };
  return fewShotProblem(new CpuBackend(), FAMILY, { net, pool: [3, 20], val: [4, 5] });
}

for (const name of Object.keys(META_LEARNERS)) {
  Deno.test(`META_LEARNERS[${name}] trains 3 iterations, logs rows and moves theta`, async () => {
    const p = setup();
    const theta0 = await initialTheta(p.loop, 1);
    const l = createMetaLearner(name, p.loop, theta0, OPTIONS);
    assert.equal(l.name, name);
    const o = { iterations: 3, metaBatch: 4, seed: 7, validateEvery: 2 };
    const r = await trainValidated(l, p, o, "accuracy");
    assert.deepEqual(r.rows.map((x) => x.iteration), [2, 3]);
    for (const row of r.rows) {
      for (const [k, v] of Object.entries(row)) assert.ok(Number.isFinite(v), `${name} ${k}=${v}`);
      assert.ok(row.val_query! >= 0 && row.val_query! <= 1);
    }
    let moved = 0;
    for (let i = 0; i < theta0.length; i++) moved += Math.abs(l.theta[i]! - theta0[i]!);
    assert.ok(moved > 0, `${name} did not move theta`);
    assert.ok(r.seconds > 0 && r.itersPerSecond > 0);
  });
}

Deno.test("createMetaLearner applies initScale and rejects an unknown name", async () => {
  const { loop } = setup();
  const theta0 = await initialTheta(loop, 1);
  const l = createMetaLearner("fomaml", loop, theta0, { ...OPTIONS, initScale: 0.5 });
  for (let i = 0; i < theta0.length; i++) assert.equal(l.theta[i], Math.fround(theta0[i]! * 0.5));
  assert.throws(() => createMetaLearner("nope", loop, theta0, OPTIONS), /one of reptile, fomaml/);
  assert.throws(() => createMetaLearner("fomaml", loop, theta0, { ...OPTIONS, initScale: 0 }));
});

for (const name of Object.keys(META_LEARNERS)) {
  Deno.test(`${name}.train gives the theta of the matching loop of step`, async () => {
    const { loop, pool } = setup();
    const theta0 = await initialTheta(loop, 2);
    const a = createMetaLearner(name, loop, theta0, OPTIONS);
    const b = createMetaLearner(name, loop, theta0, OPTIONS);
    await a.train(pool, { iterations: 4, metaBatch: 3, seed: 9, validateEvery: 10 });
    const rng = new Rng(9);
    for (let it = 0; it < 4; it++) {
      await b.step(pool, Uint32Array.from({ length: 3 }, () => rng.int(pool.size)));
    }
    assert.deepEqual(Array.from(a.theta), Array.from(b.theta));
  });
}
