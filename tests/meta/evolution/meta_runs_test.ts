import assert from "node:assert/strict";
import { summarize } from "../../../core/stats.ts";
import { BASELINE_GENOME } from "../../../learners/evolution/evolution_genome.ts";
import { emptyRunStats } from "../../../meta/evolution/score_genomes.ts";
import { metaRunSeed } from "../../../core/rng.ts";
import { acrossRuns, addMetaRuns, type MetaRun } from "../../../meta/evolution/meta_runs.ts";

/** A run whose per-seed paired differences are `diffs` (GA at 0.2 on every seed). */
function run(metaSeed: number, diffs: number[], rank: number): MetaRun {
  const baseline = diffs.map(() => 0.2);
  const learned = diffs.map((d) => 0.2 + d);
  const d = summarize(diffs);
  return {
    metaSeed,
    learned: { ...BASELINE_GENOME },
    learnedFitness: summarize(learned),
    baselineFitness: summarize(baseline),
    diff: d,
    improvementPct: 100 * d.mean / 0.2,
    ranks: [{ group: "separable", rank: summarize([rank, rank + 1]) }],
    stats: emptyRunStats(),
  };
}

Deno.test("acrossRuns counts runs better, level and worse than the GA by their paired CIs", () => {
  const runs = [
    run(0, [0.1, 0.12, 0.11], 2), // CI above 0
    run(1, [-0.05, 0.06, 0.01], 3), // spans 0
    run(2, [-0.1, -0.12, -0.11], 5), // CI below 0
    run(3, [0.2, 0.25, 0.22], 1),
  ];
  const a = acrossRuns(runs);
  assert.deepEqual([a.better, a.level, a.worse], [2, 1, 1]);
  // The CI is over the runs' mean differences (one value per meta-seed), not over all seeds.
  assert.equal(a.diff.n, 4);
  const means = runs.map((r) => r.diff.mean);
  assert.ok(Math.abs(a.diff.mean - means.reduce((x, y) => x + y) / 4) < 1e-12);
  assert.ok(a.diff.ci95Low < a.diff.mean && a.diff.mean < a.diff.ci95High);
  // Each run's mean rank (2.5, 3.5, 5.5, 1.5) averaged over the runs.
  assert.equal(a.ranks.length, 1);
  assert.ok(Math.abs(a.ranks[0]!.rank.mean - 3.25) < 1e-12);
});

Deno.test("addMetaRuns adds a table row per run and one over the runs, and summary counts", () => {
  const runs = [run(0, [0.1, 0.12, 0.11], 2), run(7, [-0.1, -0.12, -0.11], 5)];
  const out = addMetaRuns({ summary: { x: 1 }, tables: [] }, runs);
  const table = out.tables!.at(-1)!;
  assert.equal(table.rows.length, 3);
  assert.equal(table.rows[0]!.run, "0 (main)");
  assert.equal(table.rows[1]!.meta_seed, "7");
  assert.equal(table.rows[2]!.run, "over 2 runs");
  assert.equal(out.summary!.x, 1);
  assert.equal(out.summary!.meta_runs, 2);
  assert.equal(out.summary!.meta_runs_better, 1);
  assert.equal(out.summary!.meta_runs_worse, 1);
  assert.equal(out.summary!.meta_runs_level, 0);
  assert.ok(
    String(out.sections!.at(-1)!.body).includes("better than the GA (paired CI above 0) in 1 of 2"),
  );
  // One run: the result is unchanged (nothing to compare across).
  const one = { summary: { x: 1 } };
  assert.equal(addMetaRuns(one, runs.slice(0, 1)), one);
});

Deno.test("meta-run seeds: run 0 is the experiment's seed, the others distinct", () => {
  assert.equal(metaRunSeed(5, 0), 5);
  const seeds = [0, 1, 2, 3, 4].map((k) => metaRunSeed(5, k));
  assert.equal(new Set(seeds).size, 5);
  // Derived from the experiment's seed: another seed gives other runs.
  assert.notEqual(metaRunSeed(6, 1), metaRunSeed(5, 1));
});
