/**
 * Second-order MAML at the glyphs' network (196-64-64-5, 5 support samples): the Hessian-vector
 * kernel ran a model's whole R-operator pass in one invocation, about 229,000 loop iterations,
 * past the 65,535 at which lavapipe silently stops an invocation's loops, so on the software
 * adapter the GPU loop returned the first-order gradient (MAML was FOMAML; found 2026-12-03).
 * GpuBackend then ran such a loop on the CPU twin. The GPU loop now runs it as one dispatch per
 * support sample (hvpPlan), which GpuBackend picks with mamlOnSoftware "device" (the default
 * "host" keeps the twin, measured faster on lavapipe), and must give the CPU twin's second-order
 * numbers; where one sample alone is past the budget (196-128-128-5, the full-scale glyphs')
 * GpuBackend always runs the CPU twin and the GPU loop refuses.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import type { Backend } from "../../../learners/backend.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import {
  hvpFitsLoopBudget,
  hvpLoopIterations,
  hvpPlan,
} from "../../../learners/meta_train/meta_hvp.ts";
import type { MetaLoopMethod, MetaLoopReadout } from "../../../learners/meta_train/mod.ts";
import { LOOP_BUDGET } from "../../../learners/mlp/loop_budget.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { directGpuLoop, family } from "./_family.ts";

const WIDTHS = [196, 64, 64, 5];
const SPEC = { widths: WIDTHS, batchSize: 5, metaBatch: 4, innerSteps: 1, innerLr: 0.5 };

Deno.test("hvpPlan splits 196-64-64-5 into one-sample dispatches within the loop budget", () => {
  const L = mlpLayout({ size: 1, ...SPEC });
  const glyphs = hvpLoopIterations(L);
  assert.ok(glyphs > 200_000 && glyphs < 260_000, `196-64-64-5 in one dispatch: ${glyphs}`);
  assert.deepEqual(hvpPlan(L, LOOP_BUDGET), { samples: 1, fused: false });
  assert.deepEqual(hvpPlan(L), { samples: 5, fused: true });
  const one = hvpLoopIterations(L, { samples: 1, update: false });
  assert.ok(one <= LOOP_BUDGET && 2 * one > 65_535, `one sample: ${one}`);
  const small = mlpLayout({ size: 1, widths: [6, 9, 3], batchSize: 4 });
  assert.deepEqual(hvpPlan(small, LOOP_BUDGET), { samples: 4, fused: true });
  const full = mlpLayout({ size: 1, ...SPEC, widths: [196, 128, 128, 5] });
  assert.equal(hvpPlan(full, LOOP_BUDGET), null);
  assert.equal(hvpFitsLoopBudget(full), false);
});

/** Two MAML (or FOMAML) meta-iterations of 4 episodes on `backend`, read once; where they ran. */
async function twoIterations(
  backend: Backend,
  method: MetaLoopMethod,
): Promise<MetaLoopReadout & { runsOn: "device" | "host" }> {
  const batch = family(196, 3, { ways: 5, shots: 1, queryPerClass: 1 }).sampleEpisodes(5, 12);
  const data = backend.uploadDataset(batch.dataset);
  const loop = await backend.createMetaLoop({ ...SPEC, method, metaLr: 0.003 });
  const stride = mlpLayout({ size: 1, ...SPEC }).stride;
  const rng = new Rng(9);
  const theta = Float32Array.from({ length: stride }, () => 0.2 * rng.normal());
  loop.write({ theta, moments: new Float32Array(2 * stride), t: 0 });
  loop.run(batch, data, Uint32Array.from([0, 3, 5, 7, 1, 2, 11, 4]));
  const out = await loop.read();
  loop.destroy();
  data.destroy();
  return { ...out, runsOn: loop.runsOn };
}

gpuTest(
  "GpuBackend's MAML loop with mamlOnSoftware device runs on the device and matches CpuMetaLoop at 196-64-64-5 (past lavapipe's loop cap in one dispatch)",
  async (ctx) => {
    const want = await twoIterations(new CpuBackend(), "maml");
    const fomaml = await twoIterations(new CpuBackend(), "fomaml");
    const device = await GpuBackend.create(ctx, { mamlOnSoftware: "device" });
    const got = await twoIterations(device, "maml");
    assert.equal(got.runsOn, "device");
    // The meta-gradient norms (log column 1): MAML's differ from FOMAML's by far more than rounding.
    const [m, f] = [want.log[1]!, fomaml.log[1]!];
    assert.ok(
      Math.abs(m - f) > 0.05 * f,
      `maml ${m} fomaml ${f}`,
    );
    assertClose(got.log, want.log, { atol: 1e-5, rtol: 1e-3, what: "maml log" });
    assertClose(got.state.theta, want.state.theta, { atol: 1e-5, rtol: 1e-4, what: "maml theta" });
    assertClose(got.state.moments, want.state.moments, { atol: 1e-6, rtol: 1e-3, what: "moments" });
  },
);

gpuTest(
  "GpuBackend picks MAML's loop at 196-64-64-5 by mamlOnSoftware (default host)",
  async (ctx) => {
    const spec = { ...SPEC, method: "maml" as const, metaLr: 0.003 };
    for (
      const [options, want] of [[{}, "host"], [{ mamlOnSoftware: "device" }, "device"]] as const
    ) {
      const loop = await (await GpuBackend.create(ctx, options)).createMetaLoop(spec);
      assert.equal(loop.runsOn, ctx.software ? want : "device", JSON.stringify(options));
      loop.destroy();
    }
  },
);

gpuTest(
  "GpuMetaLoop refuses MAML where one sample is past the loop budget on a software adapter",
  async (ctx) => {
    if (!ctx.software) return;
    const gpu = await GpuBackend.create(ctx, { mamlOnSoftware: "device" });
    const spec = { ...SPEC, widths: [196, 128, 128, 5], method: "maml" as const, metaLr: 0.003 };
    const host = await gpu.createMetaLoop(spec);
    assert.equal(host.runsOn, "host");
    host.destroy();
    const batch = family(196, 3, { ways: 5, shots: 1, queryPerClass: 1 }).sampleEpisodes(5, 12);
    const data = gpu.uploadDataset(batch.dataset);
    const loop = await directGpuLoop(ctx, gpu, spec);
    assert.throws(
      () => loop.run(batch, data, Uint32Array.from([0, 3, 5, 7])),
      /Cannot run maml on a software adapter as its Hessian-vector kernel needs \d+ loop iterations per invocation for one sample/,
    );
    loop.destroy();
    data.destroy();
  },
);
