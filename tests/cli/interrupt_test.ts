/**
 * SIGINT and SIGTERM during a run: the run stops at its next checkpoint, marks summary.json
 * "interrupted", prints the resume command in one line and exits 130 / 143, leaving no stale
 * checkpoint blobs; `--resume` then ends with the metrics of a run never interrupted.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RunStop } from "../../core/run_stop.ts";
import { cli, entries, errorLines } from "../_input_fixtures.ts";
import { withTempDir } from "../_temp_dir.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;
const CONFIG = { steps: 2000, evalEvery: 50, checkpointEvery: 1 };
const ARGS = ["train", "lr-sweep", "--scale", "smoke", "--backend", "cpu", "--quiet"];

/**
 * Writes CONFIG to tmp/config.json, starts a run into tmp/a, sends `signal` once its first
 * checkpoint exists, and returns what it did.
 */
async function interruptedRun(tmp: string, signal: "SIGINT" | "SIGTERM") {
  const config = join(tmp, "config.json");
  await Deno.writeTextFile(config, JSON.stringify(CONFIG));
  const out = join(tmp, "a");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...ARGS, "--out", out, "--config", config],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  let dir = "";
  for (let i = 0; i < 600 && dir === ""; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const [run] = entries(out);
    if (run && existsSync(join(out, run, "checkpoint", "state.json"))) dir = join(out, run);
  }
  assert.notEqual(dir, "", "no checkpoint within 30 s");
  child.kill(signal);
  const r = await output;
  return { dir, config, code: r.code, stderr: new TextDecoder().decode(r.stderr) };
}

/** Checkpoint blobs not named by state.json, and temporary files (none may be left). */
async function staleFiles(dir: string): Promise<string[]> {
  const ck = join(dir, "checkpoint");
  const manifest = JSON.parse(await Deno.readTextFile(join(ck, "state.json")));
  const used = new Set(Object.values(manifest.blobs).map((b) => (b as { file: string }).file));
  // The score log (scores.f64) is cut back to the checkpoint on resume: not stale.
  return entries(ck).filter((f) => (f.endsWith(".bin") && !used.has(f)) || f.endsWith(".tmp"));
}

Deno.test("SIGINT stops a run at a checkpoint (exit 130, summary interrupted) and --resume finishes it identically", async () => {
  await withTempDir(async (tmp) => {
    const r = await interruptedRun(tmp, "SIGINT");
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(errorLines(r.stderr), [
      `metaforge: interrupted by SIGINT; the run keeps its last checkpoint; resume with: deno task train --resume ${r.dir}`,
    ]);
    const summary = JSON.parse(await Deno.readTextFile(join(r.dir, "summary.json")));
    assert.equal(summary.status, "interrupted");
    assert.ok(summary.rows < CONFIG.steps / CONFIG.evalEvery * 4, "stopped before the end");
    assert.deepEqual(await staleFiles(r.dir), []);
    const resumed = await cli(["train", "--resume", r.dir, "--quiet"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const whole = await cli([...ARGS, "--out", join(tmp, "b"), "--config", r.config]);
    assert.equal(whole.code, 0, whole.stderr);
    const other = join(tmp, "b", entries(join(tmp, "b"))[0]!);
    assert.equal(
      await Deno.readTextFile(join(r.dir, "metrics.csv")),
      await Deno.readTextFile(join(other, "metrics.csv")),
    );
    const done = JSON.parse(await Deno.readTextFile(join(r.dir, "summary.json")));
    assert.equal(done.status, "completed");
  });
});

Deno.test("SIGTERM stops a run with exit 143 and the resume command", async () => {
  await withTempDir(async (tmp) => {
    const r = await interruptedRun(tmp, "SIGTERM");
    assert.equal(r.code, 143, r.stderr);
    assert.match(errorLines(r.stderr).join("\n"), /^metaforge: interrupted by SIGTERM;.*--resume /);
    const summary = JSON.parse(await Deno.readTextFile(join(r.dir, "summary.json")));
    assert.equal(summary.status, "interrupted");
    assert.deepEqual(await staleFiles(r.dir), []);
  });
});

Deno.test("RunStop: a first request stops at the next check, a second abandons after the save in flight", async () => {
  const logs: string[] = [];
  const stop = RunStop.watch({ signals: [], graceMs: 60_000, log: (m) => logs.push(m) });
  try {
    stop.check();
    let release!: () => void;
    const saving = stop.guardSave(() => new Promise<number>((r) => (release = () => r(7))));
    stop.request("SIGINT");
    assert.match(logs[0]!, /^SIGINT: stopping at the next checkpoint/);
    assert.throws(() => stop.check(), (e: Error) => e.name === "RunInterrupted");
    stop.request("SIGINT");
    let abandoned = false;
    stop.abandoned.catch(() => (abandoned = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(abandoned, false, "waits for the save in flight");
    assert.throws(() => stop.checkOpen(), (e: Error) => e.name === "RunInterrupted");
    release();
    assert.equal(await saving, 7);
    await assert.rejects(stop.abandoned, (e: Error & { exitCode?: number }) => e.exitCode === 130);
  } finally {
    stop.close();
  }
});

Deno.test("RunStop abandons a run that reaches no checkpoint within the grace period", async () => {
  const stop = RunStop.watch({ signals: [], graceMs: 30 });
  try {
    stop.request("SIGTERM");
    await assert.rejects(stop.abandoned, (e: Error & { exitCode?: number }) => e.exitCode === 143);
  } finally {
    stop.close();
  }
});
