/**
 * The meta experiment saves inside a method's meta-training (tuning trials and the chosen trial's
 * continuation), not only between methods: with `checkpointSeconds: 0` it saves at every
 * learning-curve point, and a run killed with SIGKILL after such a save and resumed ends with the
 * same metrics, results and summary as a run never interrupted. Also checks the saved progress
 * itself: the learners' arrays go to binary blobs, state.json stays small.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertSameRun, killResumeRuns } from "../_kill_resume.ts";
import { withTempDir } from "../_temp_dir.ts";
import { PhaseCheckpoints } from "../../core/phase_checkpoints.ts";
import { loadCheckpoint, saveCheckpoint } from "../../core/checkpoint.ts";
import { entries } from "../_input_fixtures.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

Deno.test({
  name:
    "meta: kill -9 inside a method's meta-training, then --resume, ends as a run never interrupted",
  sanitizeResources: false,
  sanitizeOps: false,
  // Smoke scale, 2 trials of 2 iterations, then the chosen one 2 -> 4 -> 6: per static method 4
  // saves in its meta-training and 1 at its end (20 in all); then the self-improving system saves
  // at its 2 learning-curve points (exploits and explores made before each) and at its end (23).
  // Kill points: in reptile's second trial, in ES-MAML's tuning and in its final stretch, in
  // Meta-SGD's final stretch, in ProtoNet's tuning, twice in the self-improving system.
  fn: async () => {
    const killed = await killResumeRuns({
      experiment: "meta",
      config: {
        backend: "cpu",
        settings: ["synthetic-1shot"],
        methods: ["reptile", "es-maml", "meta-sgd", "protonet", "self-improving"],
        checkpointSeconds: 0,
      },
      killAfterSaves: [2, 6, 8, 13, 17, 21, 22],
      // The self-improving system's last saves come close together: a random delay after save 21
      // or 22 let a fast machine (CI, 2026-12-04) reach its end (save 23) in both trials.
      maxDelayMs: 0,
    });
    // The kill points are reached by polling, so a fast run may pass one: most must land inside.
    const inside = killed.filter((k) => k.inside !== null).length;
    assert.ok(inside >= 2, `${inside} of ${killed.length} kills landed inside a method`);
    const selfImproving = killed.filter((k) => k.inside?.includes("self-improving")).length;
    assert.ok(selfImproving >= 1, "a kill landed inside the self-improving system");
  },
});

Deno.test("PhaseCheckpoints.progressSaver() saves when the interval has passed or a stop is asked, and puts large arrays in blobs", async () => {
  await withTempDir(async (dir) => {
    const checkpointDir = join(dir, "checkpoint");
    let stopping = false;
    const ctx = {
      checkpointDir,
      stopRequested: () => stopping,
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
    stopping = true;
    assert.equal(await ck.progressSaver("m", 3600).maybeSave(() => state), true, "a stop saves");
    stopping = false;
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

Deno.test({
  name:
    "meta: SIGINT inside a method saves its progress at the next curve point (not after checkpointSeconds), exits 130, and --resume ends identically",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withTempDir(async (tmp) => {
      // MAML for several seconds, a learning-curve point every 300 iterations; no timed saves.
      const config = join(tmp, "config.json");
      await Deno.writeTextFile(
        config,
        JSON.stringify({
          backend: "cpu",
          settings: ["synthetic-1shot"],
          methods: ["baseline", "maml"],
          metaIterations: 30000,
          curvePoints: 100,
          checkpointSeconds: 3600,
        }),
      );
      const args = (out: string) => [
        "run",
        "-A",
        MAIN,
        "train",
        "meta",
        "--scale",
        "smoke",
        "--config",
        config,
        "--seed",
        "3",
        "--out",
        join(tmp, out),
        "--quiet",
      ];
      const child = new Deno.Command(Deno.execPath(), {
        args: args("a"),
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const output = child.output();
      let dir = "";
      for (let i = 0; i < 1200 && dir === ""; i++) {
        await new Promise((r) => setTimeout(r, 25));
        const [run] = entries(join(tmp, "a"));
        if (run && entries(join(tmp, "a", run, "checkpoint")).includes("state.json")) {
          dir = join(tmp, "a", run);
        }
      }
      assert.notEqual(dir, "", "the baseline's checkpoint within 30 s");
      // MAML starts right after the baseline's checkpoint; a signal in that instant would stop the
      // run between methods, so give MAML a moment (it meta-trains for several seconds).
      await new Promise((r) => setTimeout(r, 500));
      child.kill("SIGINT");
      const r = await output;
      assert.equal(r.code, 130, new TextDecoder().decode(r.stderr));
      const manifest = JSON.parse(await Deno.readTextFile(join(dir, "checkpoint", "state.json")));
      assert.match(manifest.state.state.progress?.phase ?? "", /\|maml\|/, "saved inside MAML");
      const resumed = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "train", "--resume", dir, "--quiet"],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
      const whole = await new Deno.Command(Deno.execPath(), { args: args("b"), stdout: "null" })
        .output();
      assert.equal(whole.code, 0);
      await assertSameRun(dir, join(tmp, "b", entries(join(tmp, "b"))[0]!));
    });
  },
});
