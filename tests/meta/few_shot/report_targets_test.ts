/**
 * The report's verdict and target sections when a setting ran a meta-learner alone (the restricted
 * `--scale full` runs): the >= 90% glyph target is printed with the seeds' CI, and the verdicts say
 * why there is none instead of "No setting ran". The synthetic gap target against the Bayes rule on
 * the run's test episodes, with the family ceiling beside it.
 */
import { strict as assert } from "node:assert";
import { ratioCi95 } from "../../../core/stats.ts";
import { META_SCHEMA } from "../../../meta/few_shot/config.ts";
import { buildReport } from "../../../meta/few_shot/report.ts";
import { outcomeKey } from "../../../meta/few_shot/run_setting.ts";
import type { MethodOutcome } from "../../../meta/few_shot/setting_run.ts";
import type { Setting } from "../../../meta/few_shot/settings.ts";
import type { SettingReferences } from "../../../meta/few_shot/report_tables.ts";

const SETTING = {
  name: "glyphs-5way-1shot",
  regression: false,
  widths: [196, 256, 256, 5],
  ways: 5,
  shots: 1,
} as unknown as Setting;

/** One seed's outcome: `right` of `n` test episodes answered at accuracy 1, the rest at `rest`. */
function outcome(n: number, right: number, rest = 0.6): MethodOutcome {
  const acc = Float32Array.from({ length: n }, (_, i) => (i < right ? 1 : rest));
  return {
    curve: {
      accuracy: [acc],
      loss: [new Float32Array(n)],
      supportLoss: new Float32Array(n),
      supportAccuracy: new Float32Array(n),
    },
    cross: null,
    valCurve: { x: [1500], y: [0.9] },
    stepsUsed: 0,
    itersPerSecond: 2,
    taskBudget: 24000,
    chosen: { tested_at: 1500 },
  };
}

function report(methods: string[], seeds: number[]) {
  const c = META_SCHEMA.parse({ settings: ["glyphs-5way-1shot"], methods, seeds: seeds.length });
  const outcomes = new Map<string, MethodOutcome>();
  seeds.forEach((seed, i) => {
    for (const m of methods) {
      outcomes.set(outcomeKey(SETTING.name, m, seed), outcome(10, m === "baseline" ? 0 : 7 + i));
    }
  });
  const r = buildReport({
    c,
    ran: [{ s: SETTING, refs: { chance: 0.2 } }],
    seeds,
    results: { outcomes, changes: [] },
  });
  const section = (t: string) => r.sections?.find((x) => x.title.startsWith(t))?.body ?? "";
  return { verdicts: section("Verdicts"), targets: section("Targets of issue 16") };
}

Deno.test("a glyph 5w1s run of ProtoNets alone prints the 90% target with CIs over episodes and seeds", () => {
  const { verdicts, targets } = report(["protonet"], [11, 12]);
  // Seeds: 7/10 and 8/10 episodes at 1, the rest at 0.6 -> 88% and 92%, mean 90%.
  assert.match(
    targets,
    /glyphs-5way-1shot: best meta-learner protonet 90(\.0)?% \(95% CI over episodes \[/,
  );
  assert.match(targets, /over 2 seed\(s\) \[.*\]\); target at --scale full >= 90%\./);
  assert.doesNotMatch(targets, /points above the from-scratch baseline/);
  assert.equal(verdicts, "None: no setting ran both a baseline and a meta-learner to compare.");
});

Deno.test("with the baseline the glyph targets print both lines and the verdict compares", () => {
  const { verdicts, targets } = report(["baseline", "protonet"], [11]);
  assert.match(targets, /protonet is 28(\.0)? points above the from-scratch baseline/);
  assert.match(targets, /target at --scale full >= 90%/);
  assert.match(verdicts, /glyphs-5way-1shot: protonet won/);
});

const SYNTHETIC = {
  name: "synthetic-1shot",
  regression: false,
  widths: [16, 64, 5],
  ways: 5,
  shots: 1,
} as unknown as Setting;

function syntheticReport(
  refs: SettingReferences,
  perEpisode?: { baseline: MethodOutcome; protonet: MethodOutcome },
) {
  const c = META_SCHEMA.parse({ settings: ["synthetic-1shot"], methods: ["baseline", "protonet"] });
  const outcomes = new Map<string, MethodOutcome>();
  // Baseline 36% and ProtoNets 44% on every test episode of seed 5 (unless given).
  outcomes.set(
    outcomeKey(SYNTHETIC.name, "baseline", 5),
    perEpisode?.baseline ?? outcome(10, 0, 0.36),
  );
  outcomes.set(
    outcomeKey(SYNTHETIC.name, "protonet", 5),
    perEpisode?.protonet ?? outcome(10, 0, 0.44),
  );
  const r = buildReport({
    c,
    ran: [{ s: SYNTHETIC, refs }],
    seeds: [5],
    results: { outcomes, changes: [] },
  });
  return {
    targets: r.sections?.find((x) => x.title.startsWith("Targets of issue 16"))?.body ?? "",
    rows: r.tables?.[0]?.rows ?? [],
    summary: r.summary as Record<string, number>,
  };
}

Deno.test("the synthetic gap target uses the Bayes rule on these test episodes and prints the family ceiling beside it", () => {
  const { targets, rows, summary } = syntheticReport({
    chance: 0.2,
    ceiling: 0.474,
    testCeiling: 0.465,
    testCeilingEpisodes: 10,
  });
  // (44 - 36) / (46.5 - 36) = 76.2%; (44 - 36) / (47.4 - 36) = 70.2%.
  assert.equal(
    targets,
    "- synthetic-1shot: 76.2% of the gap between the baseline (36.0%) and the Bayes rule on these " +
      "test episodes (46.5%) closed by protonet (44.0%); 70.2% against the family ceiling (47.4%); " +
      "target >= 80% of the gap to the Bayes rule on these test episodes.",
  );
  assert.deepEqual(rows.map((x) => x.method), [
    "floor: chance",
    "baseline",
    "protonet",
    "ceiling: latent Bayes",
    "ceiling: latent Bayes on these test episodes",
  ]);
  assert.ok(Math.abs((rows.at(-1)!.accuracy_pct as number) - 46.5) < 1e-9);
  assert.equal(rows.at(-1)!.episodes, 10);
  assert.equal(summary["synthetic-1shot_bayes_family_accuracy"], 0.474);
  assert.equal(summary["synthetic-1shot_bayes_test_accuracy"], 0.465);
  assert.ok(Math.abs(summary["synthetic-1shot_gap_closed_test"]! - 0.08 / 0.105) < 1e-6);
  assert.ok(Math.abs(summary["synthetic-1shot_gap_closed_family"]! - 0.08 / 0.114) < 1e-6);
  assert.ok(Math.abs(summary["synthetic-1shot_protonet_accuracy"]! - 0.44) < 1e-6);
});

Deno.test("without the test episodes' Bayes rule the synthetic target keeps the family sentence", () => {
  const { targets, rows, summary } = syntheticReport({ chance: 0.2, ceiling: 0.474 });
  assert.match(
    targets,
    /70\.2% of the gap between the baseline \(36\.0%\) and the latent Bayes ceiling \(47\.4%\) closed by protonet \(44\.0%\); target >= 80%\.$/,
  );
  assert.equal(rows.at(-1)!.method, "ceiling: latent Bayes");
  assert.equal(summary["synthetic-1shot_bayes_test_accuracy"], undefined);
});

/** One seed's outcome whose test episodes have the accuracies `acc` at step 0. */
function episodesOutcome(acc: number[]): MethodOutcome {
  const o = outcome(acc.length, 0);
  o.curve.accuracy = [Float32Array.from(acc)];
  return o;
}

Deno.test("the synthetic gap target carries a CI paired over the test episodes, and the summary its bounds", () => {
  const base = [0.36, 0.2, 0.44, 0.32, 0.28, 0.4, 0.36, 0.24];
  const proto = [0.44, 0.36, 0.52, 0.36, 0.4, 0.48, 0.4, 0.32];
  const bayes = [0.48, 0.4, 0.56, 0.44, 0.4, 0.52, 0.48, 0.36];
  const f32 = (xs: number[]) => Array.from(Float32Array.from(xs));
  const [b, p] = [f32(base), f32(proto)];
  const testCeiling = bayes.reduce((x, y) => x + y) / bayes.length;
  const { targets, summary } = syntheticReport(
    {
      chance: 0.2,
      ceiling: 0.474,
      testCeiling,
      testCeilingEpisodes: 8,
      testCeilingPerEpisode: bayes,
    },
    { baseline: episodesOutcome(base), protonet: episodesOutcome(proto) },
  );
  const [lo, hi] = ratioCi95(p.map((v, i) => v - b[i]!), bayes.map((v, i) => v - b[i]!));
  assert.ok(lo < summary["synthetic-1shot_gap_closed_test"]! && hi > lo);
  assert.equal(summary["synthetic-1shot_gap_closed_test_ci95_low"], lo);
  assert.equal(summary["synthetic-1shot_gap_closed_test_ci95_high"], hi);
  const pct = (v: number) => (100 * v).toFixed(1);
  assert.ok(
    targets.includes(`(95% CI over the paired test episodes [${pct(lo)}, ${pct(hi)}]) of the gap`),
    targets,
  );
  // Without per-episode values of the rule (or with a count that does not pair up): no CI.
  const none = syntheticReport(
    { chance: 0.2, ceiling: 0.474, testCeiling, testCeilingPerEpisode: bayes.slice(1) },
    { baseline: episodesOutcome(base), protonet: episodesOutcome(proto) },
  );
  assert.doesNotMatch(none.targets, /95% CI over the paired/);
  assert.equal(none.summary["synthetic-1shot_gap_closed_test_ci95_low"], undefined);
});

Deno.test("the method section's protocol names the head setup, methodHeads included", () => {
  const c = META_SCHEMA.parse({ settings: ["glyphs-5way-1shot"], methods: ["protonet"], seeds: 1 });
  const outcomes = new Map<string, MethodOutcome>([
    [outcomeKey(SETTING.name, "protonet", 11), outcome(10, 7)],
  ]);
  const r = buildReport({
    c,
    ran: [{ s: SETTING, refs: { chance: 0.2 } }],
    seeds: [11],
    results: { outcomes, changes: [] },
  });
  const text = r.sections?.map((x) => x.body).join("\n") ?? "";
  assert.match(text, /times 0 on synthetic-1shot, 0 on glyphs-5way-1shot \(headInitScale\)/);
  assert.match(text, /after every meta-update on synthetic-1shot, glyphs-5way-1shot \(headReset\)/);
  assert.match(
    text,
    /except \(methodHeads\) reptile on synthetic-1shot head init times 1 and headReset false/,
  );
});
