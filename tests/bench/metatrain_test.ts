/**
 * bench/metatrain.ts: a row says which meta loop ran. On a software adapter GpuBackend runs MAML's
 * loop on its CPU twin where meta_hvp is past the loop budget even with one sample per dispatch
 * (1-128-128-1 here), so that row must not be presented as a GPU run; the sinusoid's 1-40-40-1
 * (split over dispatches) and FOMAML run the GPU loop.
 */
import assert from "node:assert/strict";
import { benchMetaTrain, ranLabel, sinusoidWorkload } from "../../bench/metatrain.ts";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import { GpuBackend } from "../../learners/gpu/gpu_backend.ts";
import { hvpFitsLoopBudget } from "../../learners/meta_train/meta_hvp.ts";
import { mlpLayout } from "../../learners/mlp/mlp_layout.ts";
import { gpuTest } from "../helpers.ts";

const LABEL = "gpu, second-order MAML, MetaLearner.train (meta loop)";

gpuTest("benchMetaTrain labels a GPU backend's MAML row by the meta loop that ran", async (ctx) => {
  const gpu = await GpuBackend.create(ctx);
  const o = { path: "train" as const, metaBatch: 2, minSeconds: 0 };
  const small = sinusoidWorkload();
  const big = { ...small, widths: [1, 128, 128, 1] };
  const fits = (widths: number[]) =>
    hvpFitsLoopBudget(mlpLayout({ size: 1, widths, batchSize: big.batchSize, loss: "mse" }));
  assert.equal(fits(small.widths), true, "the sinusoid's network, split over dispatches");
  assert.equal(fits(big.widths), false, "1-128-128-1 is past meta_hvp's loop budget");
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
