import { deepStrictEqual, notDeepStrictEqual } from "node:assert/strict";
import { sampleBatchesCpu } from "../../../learners/mlp/mlp_cpu.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { throws } from "node:assert/strict";
import { CASES, setupTwins, TOL, trainTwins } from "./_cases.ts";

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

gpuTest(
  "sample_batches kernel matches sampleBatchesCpu() with lastSlot: the last slot is that draw",
  async (ctx) => {
    const c = CASES[1]!;
    const { a, b } = await setupTwins(ctx, c, 23);
    const P = c.spec.size;
    const ranges = new Uint32Array(2 * P);
    for (let p = 0; p < P; p++) ranges[2 * p + 1] = 40 + (p % 5);
    const keys = Uint32Array.from({ length: P }, (_, p) => 3 + p);
    const o = { seed: 8, round: 6, numBatches: 3, ranges, keys, lastSlot: 8 };
    a.pop.sampleBatches(o);
    b.pop.sampleBatches(o);
    // Slots 0 and 1 train; the gradients are those of the last slot (step 2 reads slot 2).
    await trainTwins(a, b, 2);
    const ga = await a.pop.gradients(a.data);
    const gb = await b.pop.gradients(b.data);
    assertClose(gb.grads, ga.grads, { ...TOL, what: "grads on the last slot (lastSlot 8)" });
    // The twin: slots 0 and 1 are draws 0 and 1, the last slot is draw 8 (of a 9-slot sampling).
    const L = a.pop.layout;
    const B = L.batchSize;
    const got = sampleBatchesCpu(L, ranges, 3, 8, 6, keys, 8);
    const nine = sampleBatchesCpu(L, ranges, 9, 8, 6, keys);
    for (let p = 0; p < P; p++) {
      deepStrictEqual(
        got.slice(p * 3 * B, p * 3 * B + 2 * B),
        nine.slice(p * 9 * B, p * 9 * B + 2 * B),
      );
      deepStrictEqual(
        got.slice((p * 3 + 2) * B, (p * 3 + 3) * B),
        nine.slice((p * 9 + 8) * B, (p * 9 + 9) * B),
      );
    }
    notDeepStrictEqual(got, sampleBatchesCpu(L, ranges, 3, 8, 6, keys));
    throws(
      () => a.pop.sampleBatches({ ...o, lastSlot: 1 }),
      /Invalid lastSlot: must be an integer in \[numBatches - 1 = 2, 4096\]: current value is 1/,
    );
    b.pop.destroy();
  },
);
