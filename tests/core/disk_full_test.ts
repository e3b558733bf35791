/**
 * A full disk during a run, on a small tmpfs (needs root to mount; skipped with the reason
 * otherwise, failed in CI): the failed write is a one-line WriteError naming the path, the run is
 * marked failed, no orphan checkpoint blob or temporary file is left, and once there is space the
 * run resumes from its last checkpoint and ends with the metrics of a run never interrupted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "zod";
import type { Experiment } from "../../core/experiment.ts";
import { runExperiment } from "../../core/experiment.ts";
import { WriteError } from "../../core/write_error.ts";
import { cli, entries, errorLines, mountTmpfs } from "../_input_fixtures.ts";
import { SMOKE_CPU } from "../helpers.ts";

/** Saves a checkpoint after every step with a blob of step x 100 kB, so the disk fills up. */
const GROWING: Experiment<{ steps: number }> = {
  name: "growing",
  description: "Checkpoints that grow by 100 kB a step.",
  schema: z.object({ steps: z.number().int().default(6) }),
  async *run(ctx) {
    const saved = await ctx.loadCheckpoint<{ step: number }>();
    let step = saved?.state.step ?? 0;
    while (step < ctx.config.steps) {
      step++;
      yield { step, value: Math.sin(step) };
      await ctx.saveCheckpoint({ step }, { big: new Uint8Array(step * 100_000).fill(step) });
    }
    return { summary: { steps: step } };
  },
};

function skip(reason: string): void {
  if (Deno.env.get("CI")) throw new Error(`disk-full test cannot run in CI: ${reason}`);
  console.log(`skipped: ${reason}`);
}

Deno.test("a full disk during a checkpoint: WriteError naming the blob, run failed, no orphans, resumable", async () => {
  const disk = await mountTmpfs("size=700k");
  if (typeof disk === "string") return skip(disk);
  const elsewhere = await Deno.makeTempDir();
  try {
    const dir = join(disk.path, "run");
    await assert.rejects(
      runExperiment(GROWING, { dir, quiet: true }),
      (e: Error) =>
        e instanceof WriteError && e.path === join(dir, "checkpoint", "big.4.bin") &&
        e.message === `Cannot write "${e.path}": no space left on device` &&
        !e.message.includes("\n"),
    );
    const summary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
    assert.equal(summary.status, "failed");
    assert.match(summary.error, /big\.4\.bin": no space left on device/);
    assert.deepEqual(entries(join(dir, "checkpoint")).sort(), ["big.3.bin", "state.json"]);
    // Space is back: the run resumes from step 3 and ends as a run never interrupted.
    const grow = await new Deno.Command("mount", {
      args: ["-o", "remount,size=8m", disk.path],
    }).output();
    assert.ok(grow.success, "remount");
    const resumed = await runExperiment(GROWING, { resume: dir, quiet: true });
    assert.equal(resumed.summary.steps, 6);
    const whole = await runExperiment(GROWING, { dir: join(elsewhere, "run"), quiet: true });
    assert.equal(
      await Deno.readTextFile(join(dir, "metrics.csv")),
      await Deno.readTextFile(join(whole.dir, "metrics.csv")),
    );
    assert.deepEqual(entries(join(dir, "checkpoint")).sort(), ["big.6.bin", "state.json"]);
  } finally {
    await disk.close();
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("cli: a full disk is one line naming the file and the resume command, exit 74", async () => {
  const disk = await mountTmpfs("size=48k");
  if (typeof disk === "string") return skip(disk);
  try {
    const out = join(disk.path, "runs");
    const r = await cli(["train", "lr-sweep", ...SMOKE_CPU, "--out", out]);
    assert.equal(r.code, 74, r.stderr);
    const lines = errorLines(r.stderr).filter((l) => l.startsWith("metaforge:"));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      /^metaforge: Cannot write "[^"]+": no space left on device; the run is marked failed .*resume with: deno task train --resume /,
    );
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    const [run] = entries(out);
    const summary = JSON.parse(await Deno.readTextFile(join(out, run!, "summary.json")));
    assert.equal(summary.status, "failed");
    const temps = entries(join(out, run!)).filter((f) => f.endsWith(".tmp"));
    assert.deepEqual(temps, []);
  } finally {
    await disk.close();
  }
});
