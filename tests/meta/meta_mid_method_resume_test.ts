/**
 * The meta experiment saves inside a method's meta-training (tuning trials and the chosen trial's
 * continuation), not only between methods: with `checkpointSeconds: 0` it saves at every
 * learning-curve point, and a run killed with SIGKILL after such a save and resumed ends with the
 * same metrics, results and summary as a run never interrupted. Also checks the saved progress
 * itself: the learners' arrays go to binary blobs, state.json stays small.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { killResumeRuns } from "../_kill_resume.ts";
import { withTempDir } from "../_temp_dir.ts";
import { PhaseCheckpoints } from "../../core/phase_checkpoints.ts";
import { loadCheckpoint, saveCheckpoint } from "../../core/checkpoint.ts";

Deno.test({
  name:
    "meta: kill -9 inside a method's meta-training, then --resume, ends as a run never interrupted",
  sanitizeResources: false,
  sanitizeOps: false,
  // Smoke scale, 2 trials of 2 iterations, then the chosen one 2 -> 4 -> 6: per method 4 saves in
  // its meta-training and 1 at its end (20 in all). Kill points: in reptile's second trial, in
  // ES-MAML's tuning and in its final stretch, in Meta-SGD's final stretch, in ProtoNet's tuning.
  fn: async () => {
    const killed = await killResumeRuns({
      experiment: "meta",
      config: {
        backend: "cpu",
        settings: ["synthetic-1shot"],
        methods: ["reptile", "es-maml", "meta-sgd", "protonet"],
        checkpointSeconds: 0,
      },
      killAfterSaves: [2, 6, 8, 13, 17],
    });
    // The kill points are reached by polling, so a fast run may pass one: most must land inside.
    const inside = killed.filter((k) => k.inside !== null).length;
    assert.ok(inside >= 2, `${inside} of ${killed.length} kills landed inside a method`);
  },
});

Deno.test("PhaseCheckpoints.progressSaver() saves when the interval has passed and puts large arrays in blobs", async () => {
  await withTempDir(async (dir) => {
    const checkpointDir = join(dir, "checkpoint");
    const ctx = {
      checkpointDir,
      saveCheckpoint: (state: unknown, blobs?: Record<string, Uint8Array>) =>
        saveCheckpoint(checkpointDir, { rows: 0, state }, { blobs }),
      loadCheckpoint: async <S>() => {
        const c = await loadCheckpoint<{ state: S }>(checkpointDir);
        return c && { ...c, state: c.state.state };
      },
    };
    const ck = await PhaseCheckpoints.load(ctx);
    const theta = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 1e-3);
    theta[7] = NaN;
    const state = { it: 3, theta, small: Float32Array.of(1, -0), curve: [0.5, NaN] };
    assert.equal(await ck.progressSaver("m", 3600).maybeSave(() => state), false);
    assert.equal(await ck.progressSaver("m", 0).maybeSave(() => state), true);
    const manifest = await Deno.readTextFile(join(checkpointDir, "state.json"));
    assert.ok(manifest.length < 1000, `state.json holds ${manifest.length} characters`);
    const back = (await PhaseCheckpoints.load(ctx)).progressSaver("m", 0).resumeFrom<
      typeof state
    >();
    assert.ok(back);
    assert.equal(back.it, 3);
    assert.ok(back.theta instanceof Float32Array);
    assert.deepEqual(new Uint8Array(back.theta.buffer), new Uint8Array(theta.buffer));
    assert.deepEqual(back.small, state.small);
    assert.ok(Object.is(back.small[1], -0));
    assert.deepEqual(back.curve, [0.5, NaN]);
    assert.equal((await PhaseCheckpoints.load(ctx)).progress("other"), undefined);
  });
});
