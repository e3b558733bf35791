import assert from "node:assert/strict";
import { join } from "node:path";
import { type MetricRow, parseMetricsCsv, readRun, RunDir, runStamp } from "../../core/run_dir.ts";
import { withTempDir } from "../_temp_dir.ts";

async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

const fixedNow = (): Date => new Date(Date.UTC(2025, 0, 2, 3, 4, 5));

Deno.test("runStamp formats UTC time as YYYYMMDD-HHMMSS", () => {
  assert.equal(runStamp(fixedNow()), "20250102-030405");
});

Deno.test("RunDir.create makes <root>/<timestamp>-<name> and a suffix when it is taken", async () => {
  const root = join(await Deno.makeTempDir(), "runs");
  try {
    const a = await RunDir.create("toy", { root, now: fixedNow });
    const b = await RunDir.create("toy", { root, now: fixedNow });
    assert.equal(a.path, join(root, "20250102-030405-toy"));
    assert.equal(b.path, join(root, "20250102-030405-toy-2"));
    assert.deepEqual(await listNames(a.path), ["plots"]);
  } finally {
    await Deno.remove(join(root, ".."), { recursive: true });
  }
});

Deno.test("RunDir.create uses a given folder as is", async () => {
  await withTempDir(async (tmp) => {
    const run = await RunDir.create("toy", { dir: join(tmp, "mine", "run1") });
    assert.equal(run.path, join(tmp, "mine", "run1"));
    assert.deepEqual(await listNames(run.path), ["plots"]);
  });
});

Deno.test("RunDir.create rejects a bad name before creating anything", async () => {
  await withTempDir(async (tmp) => {
    await assert.rejects(
      () => RunDir.create("../evil", { root: join(tmp, "runs") }),
      /Cannot create run folder as name must match .*: current value is "\.\.\/evil"/,
    );
    assert.deepEqual(await listNames(tmp), []);
  });
});

Deno.test("RunDir writes config, summary, plots, report and dashboard atomically", async () => {
  await withTempDir(async (tmp) => {
    const run = await RunDir.create("toy", { dir: tmp });
    await run.writeConfig({ steps: 3 });
    await run.writeSummary({ loss: 0.5 });
    await run.writePlot("loss", "<svg></svg>");
    await run.writeReport("# toy\n");
    await run.writeDashboard("<!DOCTYPE html>");
    await run.writeJson("extra/strategies.json", [1]);
    assert.deepEqual(await listNames(tmp), [
      "config.json",
      "dashboard.html",
      "extra",
      "plots",
      "report.md",
      "summary.json",
    ]);
    assert.deepEqual(await listNames(join(tmp, "plots")), ["loss.svg"]);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(tmp, "config.json"))), { steps: 3 });
    assert.throws(() => run.writePlot("../x", ""), RangeError);
  });
});

Deno.test("RunDir.appendMetrics widens the header and readRun parses the same numbers back", async () => {
  await withTempDir(async (tmp) => {
    const run = await RunDir.create("toy", { dir: tmp });
    const rows: MetricRow[] = [
      { step: 1, loss: 0.1 + 0.2 },
      { step: 2, loss: 1e-300, note: 'has, comma and "quotes"' },
      { step: 3, loss: NaN, acc: 0.5 },
      { step: 4, loss: Infinity, acc: -Infinity, note: "line\nbreak" },
      { step: 5, loss: 123456789.125, acc: 2 ** -30 },
    ];
    await run.appendMetrics(rows[0]!);
    await run.appendMetrics(rows[1]!);
    await run.appendMetrics(rows.slice(2));
    assert.deepEqual(run.metricsColumns, ["step", "loss", "note", "acc"]);
    assert.equal(run.metricsRowCount, 5);
    const text = await Deno.readTextFile(join(tmp, "metrics.csv"));
    assert.ok(text.startsWith("step,loss,note,acc\n1,0.30000000000000004,,\n"), text);
    const back = await readRun(tmp);
    assert.deepEqual(back.columns, ["step", "loss", "note", "acc"]);
    assert.deepEqual(back.metrics, rows);
    assert.equal(back.config, undefined);
    assert.deepEqual(await listNames(tmp), ["metrics.csv", "plots"]);
  });
});

Deno.test("RunDir.appendMetrics rejects a value that is not a number or a string", async () => {
  await withTempDir(async (tmp) => {
    const run = await RunDir.create("toy", { dir: tmp });
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      () => run.appendMetrics({ step: 1, ok: true } as any),
      /Cannot write metrics row as field "ok" must be a number or a string: current value is true/,
    );
    assert.deepEqual(await listNames(tmp), ["plots"]);
  });
});

Deno.test("RunDir.writeMetrics rewrites metrics.csv with exactly the given rows", async () => {
  await withTempDir(async (tmp) => {
    const run = await RunDir.create("toy", { dir: tmp });
    await run.appendMetrics([{ a: 1 }, { a: 2 }]);
    await run.writeMetrics([{ b: 3 }]);
    assert.equal(await Deno.readTextFile(join(tmp, "metrics.csv")), "b\n3\n");
  });
});

Deno.test("parseMetricsCsv keeps non-numeric cells as strings and drops empty cells", () => {
  const { columns, rows } = parseMetricsCsv('step,phase,x\r\n1,warm,\r\n2,"a ""b""",-1.5e3\r\n');
  assert.deepEqual(columns, ["step", "phase", "x"]);
  assert.deepEqual(rows, [{ step: 1, phase: "warm" }, { step: 2, phase: 'a "b"', x: -1500 }]);
});

Deno.test("readRun reports a missing folder", async () => {
  await assert.rejects(
    () => readRun("/nonexistent/run"),
    /Cannot read run folder "\/nonexistent\/run": not found/,
  );
});
