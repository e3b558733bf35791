// attributionVerdict: which gene groups the attribution shows to matter, and the seeds it needs.
import { equal, ok } from "node:assert/strict";
import { attributionVerdict } from "../../../meta/evolution/attribution.ts";

Deno.test("attributionVerdict() shows a gene only when the CI excludes 0, with the seeds to detect 0.05", () => {
  const s = (mean: number, lo: number, hi: number) => ({
    n: 5,
    mean,
    std: 0,
    ci95Low: lo,
    ci95High: hi,
  });
  equal(attributionVerdict(s(0.1, 0.02, 0.18)).verdict, "matters");
  equal(attributionVerdict(s(-0.06, -0.12, -0.001)).verdict, "hurts");
  const v = attributionVerdict(s(0.03, -0.07, 0.13));
  equal(v.verdict, "not shown");
  // Half-width 0.1: detectable 0.143; 5 * (0.143 / 0.05)^2 = 40.9 -> 41 seeds.
  ok(Math.abs(v.detectable - 0.143) < 1e-12);
  equal(v.seedsFor, 41);
});
