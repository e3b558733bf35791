/**
 * MetaSgd.evaluate adapts on the host (its per-parameter rates), and ran every model of a call in
 * one population from theta tiled for all P models (600 meta-test episodes of a 196-256-256-5
 * network: a 282 MB host table and a population of 1.2 GB). It now runs in InnerLoop's chunks of
 * at most `chunkSize(P)` models like InnerLoop.curve, with the same numbers for every model.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import {
  createMetaLearner,
  EpisodePool,
  InnerLoop,
  type MetaSgd,
} from "../../../meta/few_shot/mod.ts";
import { family } from "../../learners/meta_train/_family.ts";
import { ParamWrites } from "./_param_writes.ts";

const NET = { widths: [6, 9, 3], batchSize: 3 };
const STRIDE = mlpLayout({ size: 1, ...NET }).stride;
const P = 13;
/** Bytes of 5 models' parameters: InnerLoop splits 13 models into chunks of 5, 5 and 3. */
const FIVE = 5 * STRIDE * 4;

Deno.test("MetaSgd.evaluate runs in chunks of 5 and equals one population of 13", async () => {
  const rng = new Rng(21);
  const theta = Float32Array.from({ length: STRIDE }, () => 0.5 * rng.normal());
  // Rates that differ per parameter, so the host step is the learned one, not plain SGD.
  const alpha = Float32Array.from({ length: STRIDE }, () => rng.range(0.05, 0.6));
  const ids = Uint32Array.from({ length: P }, () => rng.int(20));
  const runs = [];
  for (const chunkParamBytes of [undefined, FIVE]) {
    const backend = new ParamWrites();
    const pool = new EpisodePool(backend, family(6, 3), 5, 20);
    const loop = new InnerLoop(backend, NET, { chunkParamBytes });
    const knobs = { innerLr: 0.3, innerSteps: 2, metaLr: 0.1 };
    const learner = createMetaLearner("meta-sgd", loop, theta, knobs) as MetaSgd;
    learner.alpha.set(alpha);
    const curve = await learner.evaluate(pool, ids, 3);
    runs.push({ curve, sizes: backend.sizes, bytes: backend.bytes, n: loop.chunkSize(P) });
    loop.destroy();
    pool.destroy();
  }
  const [whole, split] = runs as [typeof runs[0], typeof runs[0]];
  assert.equal(whole.n, P);
  assert.equal(split.n, 5);
  assert.deepEqual(whole.sizes, [P]);
  assert.deepEqual(split.sizes, [5, 3]);
  // Per chunk: the start rows, then 3 host steps; every table one chunk's rows (a chunk of 3 in a
  // buffer of 3 rows).
  const rows = (n: number) => new Array(4).fill(n * STRIDE * 4);
  assert.deepEqual(whole.bytes, rows(P));
  assert.deepEqual(split.bytes, [...rows(5), ...rows(5), ...rows(3)]);
  assert.equal(split.curve.accuracy.length, 4);
  assert.equal(split.curve.loss[3]!.length, P);
  assert.deepEqual(split.curve, whole.curve);
  // The learned rates changed the curve (the check above compares adapted models).
  assert.notDeepEqual(whole.curve.loss[3], whole.curve.loss[0]);
});
