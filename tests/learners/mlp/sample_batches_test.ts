import { deepStrictEqual, notDeepStrictEqual } from "node:assert/strict";
import { sampleBatchesCpu } from "../../../learners/mlp/mlp_cpu.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { CASES, setupTwins, TOL } from "./_cases.ts";

gpuTest("sample_batches kernel matches sampleBatchesCpu() exactly", async (ctx) => {
  const c = CASES[1]!;
  const { a, b } = await setupTwins(ctx, c, 23);
  const ranges = new Uint32Array(2 * c.spec.size);
  for (let p = 0; p < c.spec.size; p++) {
    ranges[2 * p] = p;
    ranges[2 * p + 1] = 1 + (p * 13) % 60;
  }
  const o = { seed: 99, round: 4, numBatches: 3, ranges };
  a.pop.sampleBatches(o);
  b.pop.sampleBatches(o);
  // Same batches -> identical gradients up to float order.
  const ga = await a.pop.gradients(a.data);
  const gb = await b.pop.gradients(b.data);
  assertClose(gb.grads, ga.grads, { ...TOL, what: "grads after sampled batches" });
  b.pop.destroy();
});

gpuTest(
  "sample_batches kernel matches sampleBatchesCpu() with keys: equal keys draw equal rows",
  async (ctx) => {
    const c = CASES[1]!;
    const { a, b } = await setupTwins(ctx, c, 23);
    const P = c.spec.size;
    const ranges = new Uint32Array(2 * P);
    for (let p = 0; p < P; p++) ranges[2 * p + 1] = 50;
    // Models 2i and 2i + 1 share a key (as genomes of one (task, replicate) do in scoring).
    const keys = Uint32Array.from({ length: P }, (_, p) => 7 + Math.floor(p / 2));
    const o = { seed: 5, round: 2, numBatches: 2, ranges, keys };
    a.pop.sampleBatches(o);
    b.pop.sampleBatches(o);
    const ga = await a.pop.gradients(a.data);
    const gb = await b.pop.gradients(b.data);
    assertClose(gb.grads, ga.grads, { ...TOL, what: "grads after keyed batches" });
    // The twin: equal keys give equal rows, and keys change the draws.
    const L = a.pop.layout;
    const keyed = sampleBatchesCpu(L, ranges, 2, 5, 2, keys);
    const per = 2 * L.batchSize;
    deepStrictEqual(keyed.slice(0, per), keyed.slice(per, 2 * per));
    notDeepStrictEqual(keyed, sampleBatchesCpu(L, ranges, 2, 5, 2));
    b.pop.destroy();
  },
);
