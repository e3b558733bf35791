import assert from "node:assert/strict";
import type { EvalFamily, FamilyEvaluation } from "../../../meta/l2o/evaluate_phase.ts";
import { acrossL2oRuns, addL2oRuns, type L2oRun, runCells } from "../../../meta/l2o/runs_phase.ts";
import { summarize } from "../../../core/stats.ts";

/** An evaluation whose per-seed final losses are given by method. */
function evaluation(finals: Record<string, number[]>): FamilyEvaluation {
  return {
    rows: [],
    series: [],
    perSeed: Object.entries(finals).map(([method, final]) => ({
      method: method as NonNullable<FamilyEvaluation["perSeed"]>[number]["method"],
      final,
      steps: final.map(() => 10),
    })),
  };
}

const FAMILIES = [{ name: "A" }, { name: "B" }] as unknown as EvalFamily[];

Deno.test("runCells pairs each learned method with Adam seed by seed, and skips the baselines", () => {
  const cells = runCells(FAMILIES, [
    evaluation({ sgd: [9, 9, 9], adam: [1, 2, 3], learned: [1.5, 2.5, 3.5] }),
    evaluation({ adam: [1, 1, 1], "learned-per-param": [0.5, 0.4, 0.6] }),
  ]);
  assert.deepEqual(cells.map((c) => [c.family, c.method]), [
    ["A", "learned"],
    ["B", "learned-per-param"],
  ]);
  // Paired: the differences are exactly 0.5 on every seed, so the CI has no width.
  assert.equal(cells[0]!.diff.mean, 0.5);
  assert.ok(Math.abs(cells[0]!.diff.ci95High - 0.5) < 1e-12);
  assert.ok(Math.abs(cells[1]!.diff.mean - -0.5) < 1e-12);
  // An evaluation without Adam (or without per-seed values, from an older checkpoint) has no cells.
  assert.deepEqual(runCells(FAMILIES, [evaluation({ learned: [1, 2] })]), []);
  assert.deepEqual(
    runCells(FAMILIES, [{ rows: [], series: [] } as unknown as FamilyEvaluation]),
    [],
  );
});

/** A run with one cell per (family, learned) of `diffs[family]`. */
function run(metaSeed: number, diffs: Record<string, number[]>): L2oRun {
  return {
    metaSeed,
    cells: Object.entries(diffs).map(([family, d]) => ({
      family,
      method: "learned" as const,
      diff: summarize(d),
    })),
  };
}

Deno.test("acrossL2oRuns counts runs below, around and above Adam, with a CI over the runs", () => {
  const runs = [
    run(0, { A: [-0.2, -0.21, -0.19], B: [0.3, 0.31, 0.29] }),
    run(1, { A: [-0.1, 0.1, 0.0], B: [0.5, 0.52, 0.48] }),
    run(2, { A: [-0.3, -0.31, -0.29], B: [0.1, 0.11, 0.09] }),
  ];
  const cells = acrossL2oRuns(runs);
  const a = cells.find((c) => c.family === "A")!;
  const b = cells.find((c) => c.family === "B")!;
  assert.deepEqual([a.better, a.level, a.worse], [2, 1, 0]);
  assert.deepEqual([b.better, b.level, b.worse], [0, 0, 3]);
  assert.equal(a.over.n, 3);
  assert.ok(Math.abs(a.over.mean - (-0.2 + 0 - 0.3) / 3) < 1e-12);
  // A cell missing from one run is left out.
  const partial = acrossL2oRuns([runs[0]!, run(1, { A: [0, 0.1, -0.1] })]);
  assert.deepEqual(partial.map((c) => c.family), ["A"]);
});

Deno.test("addL2oRuns adds a row per cell with a column per run, and summary counts", () => {
  const runs = [
    run(0, { A: [-0.2, -0.21, -0.19], B: [0.3, 0.31, 0.29] }),
    run(1, { A: [-0.1, 0.1, 0.0], B: [0.5, 0.52, 0.48] }),
  ];
  const out = addL2oRuns({ summary: { x: 1 }, tables: [] }, runs);
  const t = out.tables!.at(-1)!;
  assert.equal(t.rows.length, 2);
  assert.ok("run 0" in t.rows[0]! && "run 1" in t.rows[0]!);
  assert.equal(t.rows[0]!["better / level / worse"], "1 / 1 / 0");
  assert.equal(out.summary!.meta_runs, 2);
  assert.equal(out.summary!.meta_runs_learned_better, 1);
  assert.equal(out.summary!.meta_runs_learned_worse, 2);
  assert.equal(out.summary!.x, 1);
  const one = { summary: { x: 1 } };
  assert.equal(addL2oRuns(one, runs.slice(0, 1)), one);
});
