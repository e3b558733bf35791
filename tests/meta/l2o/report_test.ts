import assert from "node:assert/strict";
import type { FamilyRow } from "../../../meta/l2o/evaluate_phase.ts";
import { lowest } from "../../../meta/l2o/report.ts";

/** A row whose final training loss is `mean` with the CI [lo, hi]. */
function row(method: string, mean: number, lo: number, hi: number): FamilyRow {
  return {
    family: "A",
    method,
    final_train_loss: mean,
    final_ci95_low: lo,
    final_ci95_high: hi,
  } as unknown as FamilyRow;
}

Deno.test("lowest names the best mean and every method whose CI overlaps it as level", () => {
  const rows = [
    row("sgd", 0.5, 0.4, 0.6),
    row("adam", 0.1, 0.05, 0.15),
    row("learned", 0.14, 0.12, 0.2),
    row("momentum", 0.3, 0.2, 0.4),
  ];
  assert.equal(lowest(rows, "final"), "adam (level with learned)");
  // Apart from every other: the winner's CI overlaps none.
  rows[2] = row("learned", 0.3, 0.16, 0.4);
  assert.equal(lowest(rows, "final"), "adam (CIs apart from every other method)");
  // Without a CI (one seed) a method is not shown apart.
  rows[0] = row("sgd", 0.5, NaN, NaN);
  assert.equal(lowest(rows, "final"), "adam (level with sgd)");
});
