import assert from "node:assert/strict";
import { probeFma, probeStorage } from "../../bench/roofline.ts";
import { assertClose, gpuTest } from "../helpers.ts";

// The roofline's probe kernels against their CPU twins, on invocation counts that are not
// multiples of the workgroup size (8).
for (const n of [1, 37, 200]) {
  gpuTest(`probe_storage kernel matches probeStorageCpu() when n=${n}`, async (ctx) => {
    const r = await probeStorage(ctx, n, 24, 3, 1);
    assert.equal(r.out.length, n);
    assertClose(r.out, r.expected, { rtol: 1e-5, atol: 1e-5 });
    assert.ok(r.readsPerSecond > 0 && Number.isFinite(r.readsPerSecond));
  });
  gpuTest(`probe_fma kernel matches probeFmaCpu() when n=${n}`, async (ctx) => {
    const r = await probeFma(ctx, n, 50, 1);
    assert.equal(r.out.length, n);
    assertClose(r.out, r.expected, { rtol: 1e-5, atol: 1e-5 });
    assert.ok(r.flopsPerSecond > 0 && Number.isFinite(r.flopsPerSecond));
  });
}
