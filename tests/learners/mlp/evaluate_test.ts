import { assertClose, gpuTest } from "../../helpers.ts";
import { CASES, groupingName, GROUPINGS, setupTwins, TOL } from "./_cases.ts";

for (const g of GROUPINGS) {
  for (const c of CASES) {
    gpuTest(
      `evaluate kernel matches evaluateCpu() (forward, loss, accuracy) when ${c.name}, grouping ${
        groupingName(g)
      }`,
      async (ctx) => {
        const { a, b } = await setupTwins(ctx, c, 12, 1, { grouping: g });
        // Train a little so outputs are not just the init, then compare the forward pass.
        a.pop.train(a.data, 2);
        b.pop.train(b.data, 2);
        const P = c.spec.size;
        const E = 2 * (c.spec.batchSize ?? 32) + 3; // several chunks, the last one partial
        const idx = new Uint32Array(P * E).map((_, i) => (i * 7 + 3) % c.rows);
        const ea = await a.pop.evaluate(a.data, idx, { outputs: true });
        const eb = await b.pop.evaluate(b.data, idx, { outputs: true });
        assertClose(eb.outputs!, ea.outputs!, { ...TOL, what: "outputs" });
        assertClose(eb.loss, ea.loss, { ...TOL, what: "loss" });
        assertClose(eb.accuracy, ea.accuracy, { atol: 1.01 / E, rtol: 0, what: "accuracy" });
        b.pop.destroy();
      },
    );
  }
}

gpuTest(
  "evaluate kernel matches evaluateCpu() on 30000 samples per model (split into dispatches)",
  async (ctx) => {
    const c = CASES[0]!;
    const { a, b } = await setupTwins(ctx, c, 31);
    const E = 30000;
    const idx = new Uint32Array(c.spec.size * E).map((_, i) => (i * 13 + 1) % c.rows);
    const ea = await a.pop.evaluate(a.data, idx);
    const eb = await b.pop.evaluate(b.data, idx);
    assertClose(eb.loss, ea.loss, { atol: 1e-5, rtol: 1e-4, what: "loss" });
    assertClose(eb.accuracy, ea.accuracy, { atol: 1e-6, rtol: 0, what: "accuracy" });
  },
);

gpuTest(
  "evaluate with a label map on a population padded to the workgroup grouping matches the CPU twin",
  async (ctx) => {
    const c = { ...CASES[1]!, spec: { ...CASES[1]!.spec, size: 13 } };
    const { a, b } = await setupTwins(ctx, c, 61);
    const width = 9;
    const map = new Uint32Array(13 * width).map((_, i) => (i * 5 + 1) % 7);
    a.pop.setLabelMap(map, width);
    b.pop.setLabelMap(map, width);
    // Labels must be below the map width: use rows whose label is < 9 (all of them, 7 classes).
    const idx = new Uint32Array(13 * 11).map((_, i) => (i * 3) % c.rows);
    const ea = await a.pop.evaluate(a.data, idx);
    const eb = await b.pop.evaluate(b.data, idx);
    assertClose(eb.loss, ea.loss, { ...TOL, what: "loss" });
    assertClose(eb.accuracy, ea.accuracy, { atol: 1.01 / 11, rtol: 0, what: "accuracy" });
  },
);
