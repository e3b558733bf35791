import assert from "node:assert/strict";
import { rowLayout, wgslFieldName } from "../../core/wgsl_layout.ts";

Deno.test("rowLayout() declares the stride and every field in UPPER_SNAKE case", () => {
  const layout = rowLayout("ROW", { lr: 0, clipNorm: 6, beta2: 3 }, { stride: 8, source: "test" });
  assert.equal(wgslFieldName("KNOB", "labelSmoothing"), "KNOB_LABEL_SMOOTHING");
  const decls = layout.wgsl.code.split("\n").filter((l) => l.startsWith("const "));
  assert.deepEqual(decls, [
    "const ROW_STRIDE: u32 = 8u;",
    "const ROW_LR: u32 = 0u;",
    "const ROW_CLIP_NORM: u32 = 6u;",
    "const ROW_BETA2: u32 = 3u;",
  ]);
  assert.equal(layout.stride, 8);
  assert.equal(layout.fields.clipNorm, 6);
});

Deno.test("rowLayout() rejects a field outside the row and two fields at one offset", () => {
  assert.throws(
    () => rowLayout("ROW", { a: 4 }, { stride: 4, source: "test" }),
    /ROW\.a: offset must be an integer in \[0, 3\]: current value is 4/,
  );
  assert.throws(
    () => rowLayout("ROW", { a: 1, b: 1 }, { stride: 4, source: "test" }),
    /ROW\.b: offset 1 is already used by a/,
  );
});
