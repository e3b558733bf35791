/**
 * Long lr-sweep runs in bounded checkpoints: the checkpoint state holds the loop position only
 * (the curves go to an append-only score log), so state.json does not grow with the run; the
 * learning curves read back from the log give the same result as a run never interrupted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runExperiment } from "../../core/experiment.ts";
import { LR_SWEEP } from "../../meta/lr_sweep.ts";
import { probeCheckpoints } from "../../tools/soak_lr_sweep.ts";

Deno.test("lr-sweep: checkpointSeconds 0 checkpoints after every evaluation, with the results of checkpointEvery", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    let saves = 0;
    const spy = probeCheckpoints(LR_SWEEP, () => Promise.resolve(void saves++));
    const base = { backend: "cpu", steps: 200, evalEvery: 20, checkpointEvery: 1000 };
    const timed = await runExperiment(spy, {
      scale: "smoke",
      rawConfig: { ...base, checkpointSeconds: 0 },
      dir: join(tmp, "timed"),
      quiet: true,
    });
    assert.equal(saves, 9, "one checkpoint after each evaluation but the last");
    saves = 0;
    const rare = await runExperiment(spy, {
      scale: "smoke",
      rawConfig: base,
      dir: join(tmp, "rare"),
      quiet: true,
    });
    assert.equal(saves, 0);
    for (const f of ["metrics.csv", "result.json"]) {
      assert.equal(
        await Deno.readTextFile(join(timed.dir, f)),
        await Deno.readTextFile(join(rare.dir, f)),
      );
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("lr-sweep: state.json keeps the same size from the first checkpoint to the last", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const sizes: number[] = [];
    const spy = probeCheckpoints(LR_SWEEP, async (ctx) => {
      sizes.push((await Deno.stat(join(ctx.checkpointDir, "state.json"))).size);
    });
    const out = await runExperiment(spy, {
      scale: "smoke",
      rawConfig: { backend: "cpu", steps: 1000, evalEvery: 10, checkpointEvery: 1 },
      dir: join(tmp, "run"),
      quiet: true,
    });
    assert.equal(sizes.length, 99);
    // Counters gain digits (step, round, evals, rows, the generation and the five blob names):
    // 11 bytes here, where the curves in state.json grew by about 8 x 20 bytes per evaluation.
    assert.ok(
      Math.max(...sizes) - Math.min(...sizes) <= 16,
      `sizes ${sizes[0]} .. ${sizes.at(-1)}`,
    );
    const log = await Deno.stat(join(out.dir, "checkpoint", "scores.f64"));
    assert.equal(log.size, 100 * (1 + 8) * 8, "one row of step + 8 scores per evaluation");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
