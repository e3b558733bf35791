/** The meta report's tables: the "chosen" column. */
import assert from "node:assert/strict";
import { chosenText } from "../../../meta/few_shot/report_tables.ts";

Deno.test("chosenText prints rates to 3 significant digits and integers exactly", () => {
  const text = chosenText([
    { chosen: { inner_lr: 0.123456, meta_lr: 0.003, inner_steps: 5, tested_at: 1425 } },
    { chosen: { head_lr: 0.03, steps: 10, classes: 256, pretrain_steps: 2000, kind: "x" } },
  ]);
  assert.equal(
    text,
    "inner_lr 0.123, meta_lr 0.003, inner_steps 5, tested_at 1425 | " +
      "head_lr 0.03, steps 10, classes 256, pretrain_steps 2000, kind x",
  );
});
