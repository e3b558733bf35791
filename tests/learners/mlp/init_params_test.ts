import assert from "node:assert/strict";
import { assertClose, gpuTest } from "../../helpers.ts";
import { backends, CASES, groupingName, GROUPINGS, setupCase } from "./_cases.ts";

for (const g of GROUPINGS) {
  for (const c of CASES) {
    gpuTest(
      `init_params kernel matches initParamsCpu() when ${c.name}, grouping ${groupingName(g)}`,
      async (ctx) => {
        const { cpu, gpu } = await backends(ctx, g);
        const a = setupCase(cpu, c, 11);
        const b = setupCase(gpu, c, 11);
        const pa = await a.pop.readParams();
        assertClose(await b.pop.readParams(), pa, { atol: 1e-6, rtol: 1e-5, what: "params" });
        assert.ok(pa.some((v) => v !== 0), "init wrote non-zero weights");
        b.pop.destroy();
      },
    );
  }
}
