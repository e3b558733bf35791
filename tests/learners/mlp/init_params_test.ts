import assert from "node:assert/strict";
import { assertClose, gpuTest } from "../../helpers.ts";
import { CASES, groupingName, GROUPINGS, setupTwins } from "./_cases.ts";

for (const g of GROUPINGS) {
  for (const c of CASES) {
    gpuTest(
      `init_params kernel matches initParamsCpu() when ${c.name}, grouping ${groupingName(g)}`,
      async (ctx) => {
        const { a, b } = await setupTwins(ctx, c, 11, 1, { grouping: g });
        const pa = await a.pop.readParams();
        assertClose(await b.pop.readParams(), pa, { atol: 1e-6, rtol: 1e-5, what: "params" });
        assert.ok(pa.some((v) => v !== 0), "init wrote non-zero weights");
        b.pop.destroy();
      },
    );
  }
}
