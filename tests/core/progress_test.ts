import assert from "node:assert/strict";
import { formatDuration, type ProgressOptions, ProgressReporter } from "../../core/progress.ts";

/** Captured output and a settable clock, and a reporter writing to them. */
function fake(): {
  out: string[];
  clock: { t: number };
  reporter: (o: Omit<ProgressOptions, "write" | "now">) => ProgressReporter;
} {
  const out: string[] = [];
  const clock = { t: 0 };
  const reporter = (o: Omit<ProgressOptions, "write" | "now">) =>
    new ProgressReporter({ ...o, write: (t) => out.push(t), now: () => clock.t });
  return { out, clock, reporter };
}

Deno.test("formatDuration writes seconds, minutes and hours", () => {
  assert.equal(formatDuration(45.4), "45s");
  assert.equal(formatDuration(185), "3m05s");
  assert.equal(formatDuration(7620), "2h07m");
  assert.equal(formatDuration(NaN), "?");
});

Deno.test("ProgressReporter on a terminal redraws one line with step, ETA and the best metric", () => {
  const f = fake();
  const p = f.reporter({
    name: "toy",
    total: 10,
    terminal: true,
    metric: "loss",
    goal: "min",
    redrawMs: 100,
  });
  for (let i = 1; i <= 10; i++) {
    f.clock.t = i * 1000;
    p.update(i, { loss: i === 3 ? 0.125 : 1 / i + 0.5 });
  }
  assert.equal(f.out.length, 10);
  assert.ok(f.out.every((line) => line.startsWith("\r\x1b[2K") && !line.includes("\n")));
  assert.equal(f.out[4], "\r\x1b[2Ktoy  step 5/10 (50%)  elapsed 5s  ETA 5s  best loss 0.125");
  p.done();
  assert.equal(f.out.at(-1), "\r\x1b[2Ktoy  step 10/10 (100%)  done in 10s  best loss 0.125\n");
  assert.equal(p.best, 0.125);
  p.done();
  assert.equal(f.out.length, 11);
});

Deno.test("ProgressReporter on a terminal throttles redraws and keeps the line within the width", () => {
  const f = fake();
  const p = f.reporter({
    name: "x".repeat(200),
    total: 1000,
    terminal: true,
    columns: 60,
  });
  for (let i = 1; i <= 1000; i++) {
    f.clock.t = i; // 1 ms per step: at most one redraw per 100 ms
    p.update(i);
  }
  assert.equal(f.out.length, 10);
  assert.ok(f.out.every((line) => line.length <= "\r\x1b[2K".length + 59));
});

Deno.test("ProgressReporter without a terminal prints a plain line every 10% and a final line", () => {
  const f = fake();
  const p = f.reporter({
    name: "evo",
    total: 100,
    terminal: false,
    unit: "generation",
    metric: "fitness",
    goal: "max",
  });
  for (let i = 1; i <= 100; i++) {
    f.clock.t = i * 10;
    p.update(i, { fitness: i });
  }
  p.done();
  assert.equal(f.out.length, 11);
  assert.ok(
    f.out.every((line) => line.endsWith("\n") && !line.includes("\r") && !line.includes("\x1b")),
  );
  assert.equal(f.out[0], "evo  generation 10/100 (10%)  elapsed 0s  ETA 1s  best fitness 10\n");
  assert.equal(f.out[10], "evo  generation 100/100 (100%)  done in 1s  best fitness 100\n");
});

Deno.test("ProgressReporter without a terminal and without a total prints every 10 seconds", () => {
  const f = fake();
  const p = f.reporter({ name: "open", terminal: false });
  for (let i = 1; i <= 60; i++) {
    f.clock.t = i * 1000;
    p.update(i);
  }
  assert.equal(f.out.length, 6);
  assert.equal(f.out[0], "open  step 10  elapsed 10s\n");
});

Deno.test("ProgressReporter prints nothing when quiet", () => {
  const f = fake();
  const p = f.reporter({
    name: "q",
    total: 10,
    quiet: true,
    terminal: true,
    metric: "loss",
  });
  for (let i = 1; i <= 10; i++) {
    f.clock.t = i * 1e5;
    p.update(i, { loss: 1 / i });
  }
  p.log("hello");
  p.done();
  assert.deepEqual(f.out, []);
  assert.equal(p.best, 0.1);
});

Deno.test("ProgressReporter.log clears the progress line on a terminal and redraws it", () => {
  const f = fake();
  const p = f.reporter({
    name: "t",
    total: 4,
    terminal: true,
  });
  f.clock.t = 1000;
  p.update(1);
  p.log("checkpoint saved");
  assert.equal(f.out[1], "\r\x1b[2Kcheckpoint saved\n");
  assert.ok(f.out[2]!.startsWith("\r\x1b[2Kt  step 1/4 (25%)"));
});

Deno.test("ProgressReporter with scopes keeps the best per scope, each with its own goal", () => {
  const f = fake();
  const p = f.reporter({
    name: "meta",
    terminal: false,
    logEveryMs: 0,
    metric: "val",
    goal: "max",
    scope: (row) =>
      typeof row.setting === "string"
        ? { name: row.setting, goal: row.setting === "sine" ? "min" : "max" }
        : null,
  });
  // An MSE scope: lower is better, and a diverged 3e25 never shows as the best.
  p.update(1, { setting: "sine", val: 3.2 });
  p.update(2, { setting: "sine", val: 3e25 });
  p.update(3, { setting: "sine", val: 0.5 });
  assert.equal(p.best, 0.5);
  assert.equal(f.out[2], "meta  step 3  elapsed 0s  best val (sine) 0.5\n");
  // An accuracy scope starts afresh: higher is better.
  p.update(4, { setting: "glyphs", val: 0.4 });
  p.update(5, { setting: "glyphs", val: 0.7 });
  p.update(6, { setting: "glyphs", val: 0.6 });
  assert.equal(p.best, 0.7);
  assert.match(f.out[5]!, /best val \(glyphs\) 0\.7\n$/);
  // A row out of every scope changes nothing; back in a scope, its own best is kept.
  p.update(7, { val: 0.01 });
  assert.equal(p.best, 0.7);
  p.update(8, { setting: "sine", val: 0.9 });
  assert.equal(p.best, 0.5);
  assert.match(f.out[7]!, /best val \(sine\) 0\.5\n$/);
});

Deno.test("ProgressReporter names the metric by its label when one is given", () => {
  const f = fake();
  const p = f.reporter({
    name: "evolve",
    total: 2,
    metric: "best",
    label: "meta-fitness",
    goal: "max",
  });
  f.clock.t = 1000;
  p.update(1, { best: 0.25 });
  f.clock.t = 2000;
  p.update(2, { best: 0.5 });
  p.done();
  assert.equal(f.out.at(-1), "evolve  step 2/2 (100%)  done in 2s  best meta-fitness 0.5\n");
  assert.ok(f.out.every((l) => !l.includes("best best")));
});

Deno.test("the evolve experiment's progress line names its metric meta-fitness", async () => {
  const { EVOLVE } = await import("../../meta/evolution/experiment.ts");
  assert.equal(EVOLVE.progress?.metric, "best");
  assert.equal(EVOLVE.progress?.label, "meta-fitness");
});
