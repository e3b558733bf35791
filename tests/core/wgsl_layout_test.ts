import assert from "node:assert/strict";
import { layoutWgsl, wgslFieldName } from "../../core/wgsl_layout.ts";

Deno.test("layoutWgsl() declares the stride and every field in UPPER_SNAKE case", () => {
  const part = layoutWgsl({
    prefix: "ROW",
    stride: 8,
    fields: { lr: 0, clipNorm: 6, beta2: 3 },
    source: "test",
  });
  assert.equal(wgslFieldName("KNOB", "labelSmoothing"), "KNOB_LABEL_SMOOTHING");
  const decls = part.code.split("\n").filter((l) => l.startsWith("const "));
  assert.deepEqual(decls, [
    "const ROW_STRIDE: u32 = 8u;",
    "const ROW_LR: u32 = 0u;",
    "const ROW_CLIP_NORM: u32 = 6u;",
    "const ROW_BETA2: u32 = 3u;",
  ]);
});

Deno.test("layoutWgsl() rejects a field outside the row and two fields at one offset", () => {
  assert.throws(
    () => layoutWgsl({ prefix: "ROW", stride: 4, fields: { a: 4 }, source: "test" }),
    /ROW\.a: offset must be an integer in \[0, 3\]: current value is 4/,
  );
  assert.throws(
    () => layoutWgsl({ prefix: "ROW", stride: 4, fields: { a: 1, b: 1 }, source: "test" }),
    /ROW\.b: offset 1 is already used by a/,
  );
});
