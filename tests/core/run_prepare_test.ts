import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Experiment, runExperiment } from "../../core/experiment.ts";
import { InputError } from "../../core/input_error.ts";
import { prepareRun } from "../../core/run_prepare.ts";
import { type ToyConfig, toyExperiment } from "./_toy_experiment.ts";
import { withTempDir } from "../_temp_dir.ts";

/** The toy experiment with a prepare step that reads `file` (an InputError when it is missing). */
function withPrepare(file: string, seen: string[]): Experiment<ToyConfig, string> {
  const base = toyExperiment();
  return {
    ...base,
    prepare: async (config, run) => {
      let text: string;
      try {
        text = await Deno.readTextFile(file);
      } catch {
        throw new InputError(`Cannot read toy input "${file}": not found`, { file });
      }
      seen.push(`prepare seed ${run.seed} steps ${config.steps}`);
      return text;
    },
    run(ctx) {
      seen.push(`run with ${ctx.inputs}`);
      return base.run(ctx);
    },
  };
}

/** Writes `text` to tmp/in.txt; returns the file, the toy experiment that prepares it, its log. */
async function preparedInput(tmp: string, text: string) {
  const file = join(tmp, "in.txt");
  await Deno.writeTextFile(file, text);
  const seen: string[] = [];
  return { file, seen, exp: withPrepare(file, seen) };
}

/** preparedInput(tmp, "x") run once to completion into tmp/runs. */
async function completedRun(tmp: string) {
  const input = await preparedInput(tmp, "x");
  const options = { scale: "smoke" as const, outDir: join(tmp, "runs"), quiet: true };
  return { ...input, first: await runExperiment(input.exp, options) };
}

Deno.test("runExperiment: a prepare error leaves nothing written (not even --out)", async () => {
  await withTempDir(async (tmp) => {
    const seen: string[] = [];
    const out = join(tmp, "runs");
    await assert.rejects(
      runExperiment(withPrepare(join(tmp, "missing.txt"), seen), {
        scale: "smoke",
        outDir: out,
        quiet: true,
      }),
      (e: Error) => e instanceof InputError && /missing\.txt/.test(e.message),
    );
    assert.deepEqual(seen, []);
    assert.equal(existsSync(out), false);
  });
});

Deno.test("runExperiment: prepare's result reaches ctx.inputs, and prepareRun can be done first", async () => {
  await withTempDir(async (tmp) => {
    const { seen, exp } = await preparedInput(tmp, "hello");
    const options = { scale: "smoke" as const, seed: 4, outDir: join(tmp, "runs"), quiet: true };
    const prepared = await prepareRun(exp, options);
    assert.equal(prepared.inputs, "hello");
    assert.equal(existsSync(options.outDir), false, "prepareRun writes nothing");
    await runExperiment(exp, { ...options, prepared });
    assert.deepEqual(seen, ["prepare seed 4 steps 12", "run with hello"]);
  });
});

Deno.test("runExperiment --resume of a completed run rewrites nothing and says it is complete", async () => {
  await withTempDir(async (tmp) => {
    const { seen, exp, first } = await completedRun(tmp);
    const stamp = async () => {
      const out: string[] = [];
      for await (const e of Deno.readDir(first.dir)) {
        const info = await Deno.stat(join(first.dir, e.name));
        out.push(`${e.name} ${info.size} ${info.mtime?.getTime()}`);
      }
      return out.sort();
    };
    const before = await stamp();
    seen.length = 0;
    const again = await runExperiment(exp, { resume: first.dir, quiet: true });
    assert.equal(again.alreadyComplete, true);
    assert.deepEqual(again.summary, first.summary);
    assert.equal(again.rows, first.rows);
    assert.deepEqual(seen, [], "neither prepare nor run was called");
    assert.deepEqual(await stamp(), before);
  });
});

Deno.test("runExperiment --resume runs prepare before rewriting anything", async () => {
  await withTempDir(async (tmp) => {
    const { file, exp, first } = await completedRun(tmp);
    // Make the run look unfinished, then take its input away.
    const summaryPath = join(first.dir, "summary.json");
    const summary = JSON.parse(await Deno.readTextFile(summaryPath));
    await Deno.writeTextFile(summaryPath, JSON.stringify({ ...summary, status: "failed" }));
    const metrics = await Deno.readTextFile(join(first.dir, "metrics.csv"));
    await Deno.remove(file);
    await assert.rejects(runExperiment(exp, { resume: first.dir, quiet: true }), InputError);
    assert.equal(await Deno.readTextFile(join(first.dir, "metrics.csv")), metrics);
  });
});
