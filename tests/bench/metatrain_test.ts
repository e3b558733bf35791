/**
 * bench/metatrain.ts: a row says which meta loop ran. On a software adapter GpuBackend runs MAML's
 * loop on its CPU twin where meta_hvp is past the loop budget in one dispatch (the sinusoid's
 * 1-40-40-1; mamlOnSoftware "host", the default), so that row must not be presented as a GPU run;
 * a small MAML network and FOMAML run the GPU loop.
 */
import assert from "node:assert/strict";
import { benchMetaTrain, ranLabel } from "../../bench/metatrain.ts";
import { sinusoidWorkload } from "../../bench/metatrain_workloads.ts";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import { GpuBackend } from "../../learners/gpu/gpu_backend.ts";
import { hvpPlan } from "../../learners/meta_train/meta_hvp.ts";
import { LOOP_BUDGET } from "../../learners/mlp/loop_budget.ts";
import { mlpLayout } from "../../learners/mlp/mlp_layout.ts";
import { gpuTest } from "../helpers.ts";

const LABEL = "gpu, second-order MAML, MetaLearner.train (meta loop)";

gpuTest("benchMetaTrain labels a GPU backend's MAML row by the meta loop that ran", async (ctx) => {
  const gpu = await GpuBackend.create(ctx);
  const o = { path: "train" as const, metaBatch: 2, minSeconds: 0 };
  const big = sinusoidWorkload();
  const small = { ...big, widths: [1, 8, 8, 1] };
  const fits = (widths: number[]) =>
    hvpPlan(mlpLayout({ size: 1, widths, batchSize: big.batchSize, loss: "mse" }), LOOP_BUDGET)
      ?.fused;
  assert.equal(fits(small.widths), true);
  assert.equal(
    fits(big.widths),
    false,
    "the sinusoid's network is past meta_hvp's loop budget in one dispatch",
  );
  const maml = await benchMetaTrain(gpu, big, { ...o, method: "maml" });
  assert.equal(maml.hostLoop, ctx.software);
  assert.equal(maml.backend, ctx.software ? "cpu-twin" : "gpu");
  const shown = ranLabel(LABEL, gpu, maml);
  if (ctx.software) {
    assert.match(shown, /^cpu twin on the host \(GpuBackend's fallback.*\), second-order MAML/);
  } else assert.equal(shown, LABEL);
  for (const [w, method] of [[small, "maml"], [big, "fomaml"]] as const) {
    const r = await benchMetaTrain(gpu, w, { ...o, method });
    assert.equal(r.hostLoop, false, `${method} ${w.widths.join("-")}`);
    assert.equal(r.backend, "gpu");
    assert.equal(ranLabel(LABEL, gpu, r), LABEL);
  }
  // The CPU backend's rows keep their own label (its loop is always the twin).
  const cpu = await benchMetaTrain(new CpuBackend(), small, { ...o, method: "fomaml" });
  assert.equal(cpu.hostLoop, true);
  assert.equal(ranLabel("cpu twin, FOMAML", new CpuBackend(), cpu), "cpu twin, FOMAML");
});

gpuTest(
  "benchMetaTrain runs a backend in another grouping; one past the loop budget is a RangeError",
  async (ctx) => {
    const o = { path: "train" as const, metaBatch: 2, minSeconds: 0.05, method: "fomaml" as const };
    const w = { ...sinusoidWorkload(), widths: [1, 8, 8, 1] };
    const wide = await GpuBackend.create(ctx, { grouping: { modelsPerGroup: 1, roles: 64 } });
    const r = await benchMetaTrain(wide, w, o);
    assert.equal(r.backend, "gpu");
    assert.ok(r.iterations >= 2 && r.tasksPerSecond > 0);
    if (!ctx.software) return;
    // One model per invocation, 8 per workgroup: a 1-128-128-1 step is past lavapipe's budget.
    const lanes = await GpuBackend.create(ctx, { grouping: { modelsPerGroup: 8, roles: 1 } });
    await assert.rejects(
      benchMetaTrain(lanes, { ...w, widths: [1, 128, 128, 1] }, o),
      (e) => e instanceof RangeError && /loop iterations per invocation/.test(e.message),
    );
  },
);
