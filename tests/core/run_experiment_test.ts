import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Experiment,
  getExperiment,
  listExperiments,
  registerExperiment,
  renderRun,
  resolveConfig,
  runExperiment,
  unregisterExperiment,
} from "../../core/experiment.ts";
import { ConfigError } from "../../core/config_schema.ts";
import { readRun } from "../../core/run_dir.ts";
import { toyExperiment } from "./_toy_experiment.ts";
import { withTempDir } from "../_temp_dir.ts";

async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix + entry.name;
    if (entry.isDirectory) {
      names.push(rel + "/", ...(await listTree(join(dir, entry.name), rel + "/")));
    } else names.push(rel);
  }
  return names.sort();
}

const now = (): Date => new Date(Date.UTC(2025, 5, 1, 12, 0, 0));

Deno.test("runExperiment writes every run file and metrics.csv parses back to the emitted rows", async () => {
  await withTempDir(async (tmp) => {
    const emitted: Record<string, number | string>[] = [];
    const base = toyExperiment();
    const spy: Experiment<typeof base extends Experiment<infer C> ? C : never> = {
      ...base,
      async *run(ctx) {
        const it = base.run(ctx) as AsyncGenerator<Record<string, number | string>, unknown>;
        for (;;) {
          const next = await it.next();
          if (next.done) return next.value as never;
          emitted.push(next.value);
          yield next.value;
        }
      },
    };
    const out = await runExperiment(spy, {
      scale: "smoke",
      seed: 7,
      outDir: join(tmp, "runs"),
      quiet: true,
      now,
    });
    assert.equal(out.dir, join(tmp, "runs", "20250601-120000-toy"));
    assert.deepEqual(out.config, { steps: 12, seeds: 2, inner: { lr: 0.1 }, fail: false });
    assert.equal(out.rows, 13);
    assert.deepEqual(await listTree(out.dir), [
      "checkpoint/",
      "checkpoint/last.1.bin",
      "checkpoint/state.json",
      "config.json",
      "dashboard.html",
      "metrics.csv",
      "plots/",
      "plots/finals.svg",
      "plots/loss.svg",
      "plots/raw.svg",
      "report.md",
      "result.json",
      "run.json",
      "summary.json",
    ]);
    const run = await readRun(out.dir);
    assert.deepEqual(run.config, out.config);
    assert.deepEqual(run.columns, ["step", "loss", "mean_loss", "phase", "extra"]);
    assert.deepEqual(run.metrics, emitted);
    const summary = run.summary as Record<string, unknown>;
    assert.equal(summary.experiment, "toy");
    assert.equal(summary.scale, "smoke");
    assert.equal(summary.seed, 7);
    assert.equal(summary.status, "completed");
    assert.equal(summary.rows, 13);
    assert.equal(summary.startedAt, "2025-06-01T12:00:00.000Z");
    const report = await Deno.readTextFile(join(out.dir, "report.md"));
    assert.ok(report.startsWith("# Toy decay\n"));
    for (const name of ["loss", "finals", "raw"]) {
      assert.ok(report.includes(`](plots/${name}.svg)`));
    }
    const html = await Deno.readTextFile(join(out.dir, "dashboard.html"));
    assert.equal(html.match(/<svg /g)?.length, 3);
  });
});

Deno.test("renderRun regenerates plots, report and dashboard byte for byte", async () => {
  await withTempDir(async (tmp) => {
    const out = await runExperiment(toyExperiment(), { scale: "smoke", outDir: tmp, quiet: true });
    const files = [
      "plots/loss.svg",
      "plots/finals.svg",
      "plots/raw.svg",
      "report.md",
      "dashboard.html",
    ];
    const before = await Promise.all(files.map((f) => Deno.readFile(join(out.dir, f))));
    for (const f of files) await Deno.remove(join(out.dir, f));
    const rendered = await renderRun(out.dir);
    assert.deepEqual([...rendered.files].sort(), [...files].sort());
    const after = await Promise.all(files.map((f) => Deno.readFile(join(out.dir, f))));
    files.forEach((f, i) => assert.deepEqual(after[i], before[i], `${f} differs after renderRun`));
  });
});

Deno.test("runExperiment writes nothing when the config is invalid", async () => {
  await withTempDir(async (tmp) => {
    const outDir = join(tmp, "runs");
    await assert.rejects(
      () =>
        runExperiment(toyExperiment(), {
          rawConfig: { inner: { lr: -1 } },
          source: "toy.json",
          outDir,
          quiet: true,
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(
          error.message,
          'Invalid config field "inner.lr" in toy.json: must be a number >= 0 and <= 10: current value is -1',
        );
        return true;
      },
    );
    await assert.rejects(
      () => runExperiment(toyExperiment(), { rawConfig: { stepz: 1 }, outDir, quiet: true }),
      /"stepz"/,
    );
    await assert.rejects(
      () => runExperiment(toyExperiment(), { seed: -1, outDir, quiet: true }),
      /Invalid config field "seed"/,
    );
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      () => runExperiment(toyExperiment(), { scale: "huge" as any, outDir, quiet: true }),
      /Invalid config field "scale": must be one of "smoke", "default", "full": current value is "huge"/,
    );
    assert.deepEqual(await listTree(tmp), []);
  });
});

Deno.test("resolveConfig merges the scale preset under the user config and fills defaults", () => {
  const exp = toyExperiment();
  assert.deepEqual(resolveConfig(exp, {}), {
    steps: 40,
    seeds: 3,
    inner: { lr: 0.1 },
    fail: false,
  });
  assert.deepEqual(resolveConfig(exp, { scale: "full" }).steps, 200);
  assert.deepEqual(
    resolveConfig(exp, { scale: "smoke", rawConfig: { seeds: 5, inner: { lr: 0.5 } } }),
    { steps: 12, seeds: 5, inner: { lr: 0.5 }, fail: false },
  );
  assert.throws(
    () => resolveConfig(exp, { scale: "smoke", rawConfig: { steps: 0 }, source: "cli" }),
    /^ConfigError: Invalid config field "steps" in cli \(over the "smoke" preset of toy\): must be an integer >= 1 and <= 1000: current value is 0$/,
  );
});

Deno.test("runExperiment records a failed run in summary.json and rethrows", async () => {
  await withTempDir(async (tmp) => {
    await assert.rejects(
      () =>
        runExperiment(toyExperiment(), {
          rawConfig: { fail: true },
          dir: join(tmp, "run"),
          quiet: true,
        }),
      /diverged at step 5/,
    );
    const run = await readRun(join(tmp, "run"));
    const summary = run.summary as Record<string, unknown>;
    assert.equal(summary.status, "failed");
    assert.equal(summary.error, "diverged at step 5");
    assert.equal(run.metrics.length, 5);
  });
});

Deno.test("runExperiment accepts a promise-style run with ctx.emit and a default summary", async () => {
  await withTempDir(async (tmp) => {
    const lines: string[] = [];
    const exp: Experiment<{ n: number }> = {
      name: "emit-style",
      description: "Emits rows from a plain async function.",
      schema: toyExperiment().schema.transform(() => ({ n: 3 })),
      progress: { metric: "v", goal: "max", unit: "generation" },
      steps: (c) => c.n,
      async run(ctx) {
        for (let generation = 1; generation <= ctx.config.n; generation++) {
          await ctx.emit({ generation, v: generation * 2 });
        }
        ctx.log("finished");
        const loaded = await ctx.loadCheckpoint();
        assert.equal(loaded, undefined);
      },
    };
    const out = await runExperiment(exp, {
      dir: join(tmp, "r"),
      progress: { terminal: false, write: (t) => lines.push(t) },
    });
    assert.deepEqual(out.summary, { "final generation": 3, "final v": 6 });
    assert.ok(lines.some((l) => l.startsWith("emit-style  generation 3/3 (100%)")));
    assert.ok(lines.includes("finished\n"));
    assert.ok(lines.at(-1)!.includes("done in") && lines.at(-1)!.includes(join(tmp, "r")));
    assert.deepEqual(await listTree(join(tmp, "r", "plots")), []);
  });
});

Deno.test("runExperiment prints no progress when quiet", async () => {
  await withTempDir(async (tmp) => {
    const lines: string[] = [];
    await runExperiment(toyExperiment(), {
      scale: "smoke",
      dir: tmp,
      quiet: true,
      progress: { terminal: true, write: (t) => lines.push(t) },
    });
    assert.deepEqual(lines, []);
  });
});

Deno.test("registerExperiment, getExperiment and listExperiments manage the registry", () => {
  const a = registerExperiment(toyExperiment("zz-registry-b"));
  registerExperiment(toyExperiment("zz-registry-a"));
  try {
    assert.equal(getExperiment("zz-registry-b"), a);
    const names = listExperiments().map((e) => e.name);
    assert.ok(names.indexOf("zz-registry-a") < names.indexOf("zz-registry-b"));
    assert.throws(
      () => registerExperiment(toyExperiment("zz-registry-a")),
      /name must be unique: current value is "zz-registry-a"/,
    );
    assert.throws(() => registerExperiment(toyExperiment("Bad Name")), /name must match/);
    assert.throws(() => getExperiment("nope"), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(
        error.message,
        /^Invalid experiment name: must be one of .*"zz-registry-a", "zz-registry-b".*: current value is "nope"$/,
      );
      return true;
    });
  } finally {
    unregisterExperiment("zz-registry-a");
    unregisterExperiment("zz-registry-b");
  }
});
