/**
 * Issue 17 item 8: a GPU device lost mid-run (`device.destroy()` after the second checkpoint)
 * stops the run with one line and exit 75, marks it failed in summary.json and keeps its last
 * checkpoint; `--resume` continues on a new GPU device with results identical to a run never
 * interrupted, or on the CPU twin (`--backend cpu`) with every value within the twin tolerance
 * (atol 1e-4 + rtol 1e-3, the parity tolerance of the train step).
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { GpuContext, GpuUnavailableError } from "../../core/gpu_context.ts";
import { assertSameRun } from "../_kill_resume.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;
const LOSE = new URL("../core/_lose_device.ts", import.meta.url).pathname;
const CONFIG = {
  backend: "gpu",
  rates: 4,
  replicates: 2,
  steps: 800,
  evalEvery: 25,
  checkpointEvery: 2,
  task: { trainPerClass: 60, testPerClass: 30 },
};
const noGpu = await GpuContext.create().then((c) => (c.destroy(), false)).catch((e) => {
  if (e instanceof GpuUnavailableError) return true;
  throw e;
});

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  const r = await new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "piped" })
    .output();
  return { code: r.code, stderr: new TextDecoder().decode(r.stderr) };
}

const only = (dir: string) => join(dir, readdirSync(dir)[0]!);
const json = async (dir: string, f: string) => JSON.parse(await Deno.readTextFile(join(dir, f)));

/** Runs lr-sweep under `out` with its device destroyed after the second checkpoint; checks the stop. */
async function lostRun(config: string, out: string): Promise<string> {
  const train = ["train", "lr-sweep", "--config", config, "--seed", "7", "--out", out, "--quiet"];
  const r = await run(["run", "-A", LOSE, "2", out, ...train]);
  assert.equal(r.code, 75, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  const runDir = only(out);
  assert.match(
    lines[0]!,
    new RegExp(
      `^metaforge: GPU device lost during .*\\(destroyed: .*\\); the run is marked failed and keeps its last checkpoint; resume with: deno task train --resume ${runDir} \\(add --backend cpu for the CPU twin\\)$`,
    ),
  );
  const summary = await json(runDir, "summary.json");
  assert.equal(summary.status, "failed");
  assert.match(summary.error, /^GPU device lost during /);
  const saved = await json(join(runDir, "checkpoint"), "state.json");
  assert.ok(saved.generation >= 2, `kept checkpoint ${saved.generation}`);
  return runDir;
}

/** Numeric cells of two metrics.csv files within atol + rtol * |ref| (same shape, same text elsewhere). */
async function assertCloseMetrics(runDir: string, refDir: string, atol: number, rtol: number) {
  const read = async (d: string) =>
    (await Deno.readTextFile(join(d, "metrics.csv"))).trim().split("\n").map((l) => l.split(","));
  const [a, b] = [await read(runDir), await read(refDir)];
  assert.equal(a.length, b.length);
  a.forEach((row, i) =>
    row.forEach((cell, j) => {
      const [x, y] = [Number(cell), Number(b[i]![j])];
      if (Number.isFinite(y) && cell !== "") {
        assert.ok(
          Math.abs(x - y) <= atol + rtol * Math.abs(y),
          `row ${i} column ${j}: ${x} vs ${y}`,
        );
      } else assert.equal(cell, b[i]![j]);
    })
  );
}

Deno.test({
  name:
    "train: a GPU device lost mid-run stops with one line and resumes on the GPU or the CPU twin",
  ignore: noGpu && !Deno.env.get("CI"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const tmp = await Deno.makeTempDir();
    try {
      const config = join(tmp, "config.json");
      await Deno.writeTextFile(config, JSON.stringify(CONFIG));
      const train = ["train", "lr-sweep", "--config", config, "--seed", "7", "--quiet"];
      const ref = await run(["run", "-A", MAIN, ...train, "--out", join(tmp, "ref")]);
      assert.equal(ref.code, 0, ref.stderr);
      const refDir = only(join(tmp, "ref"));
      // On a new GPU device: identical to the run never interrupted.
      const onGpu = await lostRun(config, join(tmp, "lost-gpu"));
      const resumed = await run(["run", "-A", MAIN, "train", "--resume", onGpu, "--quiet"]);
      assert.equal(resumed.code, 0, resumed.stderr);
      await assertSameRun(onGpu, refDir);
      // On the CPU twin: every value within the twin tolerance, the original start time kept.
      const onCpu = await lostRun(config, join(tmp, "lost-cpu"));
      const args = ["run", "-A", MAIN, "train", "--resume", onCpu, "--backend", "cpu", "--quiet"];
      const twin = await run(args);
      assert.equal(twin.code, 0, twin.stderr);
      await assertCloseMetrics(onCpu, refDir, 1e-4, 1e-3);
      const s = await json(onCpu, "summary.json");
      assert.equal(s.status, "completed");
      assert.equal(s.startedAt, (await json(onCpu, "run.json")).startedAt);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
