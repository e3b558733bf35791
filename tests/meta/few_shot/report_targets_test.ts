/**
 * The report's verdict and target sections when a setting ran a meta-learner alone (the restricted
 * `--scale full` runs): the >= 90% glyph target is printed with the seeds' CI, and the verdicts say
 * why there is none instead of "No setting ran".
 */
import { strict as assert } from "node:assert";
import { META_SCHEMA } from "../../../meta/few_shot/config.ts";
import { buildReport } from "../../../meta/few_shot/report.ts";
import { outcomeKey } from "../../../meta/few_shot/run_setting.ts";
import type { MethodOutcome } from "../../../meta/few_shot/setting_run.ts";
import type { Setting } from "../../../meta/few_shot/settings.ts";

const SETTING = {
  name: "glyphs-5way-1shot",
  regression: false,
  widths: [196, 256, 256, 5],
  ways: 5,
  shots: 1,
} as unknown as Setting;

/** One seed's outcome: `right` of `n` test episodes answered at accuracy 1, the rest at 0.6. */
function outcome(n: number, right: number): MethodOutcome {
  const acc = Float32Array.from({ length: n }, (_, i) => (i < right ? 1 : 0.6));
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
