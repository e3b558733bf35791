import assert from "node:assert/strict";
import { runExperiment } from "../../core/experiment.ts";
import { loadLearnedOptimizer } from "../../meta/learned_optimizer.ts";
import { L2O } from "../../meta/l2o/experiment.ts";

Deno.test("l2o experiment runs at smoke scale on the CPU backend and saves its three optimizers", async () => {
  const dir = await Deno.makeTempDir();
  const out = await runExperiment(L2O, {
    scale: "smoke",
    outDir: dir,
    quiet: true,
    rawConfig: { backend: "cpu" },
  });
  const opt = await loadLearnedOptimizer(`${out.dir}/learned_optimizer.json`);
  assert.equal(opt.architecture.kind, "lr-scale");
  const rf = await loadLearnedOptimizer(`${out.dir}/learned_optimizer_reinforce.json`);
  assert.equal(rf.architecture.kind, "lr-scale");
  const pp = await loadLearnedOptimizer(`${out.dir}/learned_optimizer_per_param.json`);
  assert.equal(pp.architecture.kind, "per-param");
  await Deno.remove(dir, { recursive: true });
});
