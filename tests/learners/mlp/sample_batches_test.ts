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
