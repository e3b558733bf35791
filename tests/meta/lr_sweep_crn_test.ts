/**
 * lr-sweep's common random numbers: the rates of a replicate start from the same init and see the
 * same minibatches, so with learning rates too small to move the weights every rate scores alike at
 * every evaluation, while the replicates (other inits and minibatches) differ.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runExperiment } from "../../core/experiment.ts";
import { LR_SWEEP } from "../../meta/lr_sweep.ts";

Deno.test("lr-sweep: every rate of a replicate starts from its init and sees its minibatches", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const rawConfig = {
      backend: "cpu",
      rates: 3,
      lrMin: 1e-9,
      lrMax: 2e-9,
      replicates: 2,
      steps: 20,
      evalEvery: 10,
    };
    const run = await runExperiment(LR_SWEEP, { scale: "smoke", rawConfig, dir: tmp, quiet: true });
    const rows = (await Deno.readTextFile(join(run.dir, "metrics.csv"))).trim().split("\n").slice(1)
      .map((l) => l.split(","));
    assert.equal(rows.length, 6);
    for (const step of ["10", "20"]) {
      const at = rows.filter((r) => r[0] === step);
      assert.equal(at.length, 3);
      // Columns after step and lr: accuracy, its CI, loss, diverged.
      for (const r of at) assert.deepEqual(r.slice(2), at[0]!.slice(2));
      // The two replicates differ: a CI of positive width.
      assert.ok(Number(at[0]![4]) - Number(at[0]![3]) > 0.01, at[0]!.join(","));
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
