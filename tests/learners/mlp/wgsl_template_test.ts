import assert from "node:assert/strict";
import {
  accumulators,
  forEntries,
  shiftColumns,
  wgsl,
} from "../../../learners/mlp/wgsl_template.ts";

Deno.test("wgsl`` removes the common indentation and the blank first and last lines", () => {
  const name = "f";
  const text = wgsl`
    fn ${name}() {
      let a = ${3}u;
    }`;
  assert.equal(text, "fn f() {\n  let a = 3u;\n}");
});

Deno.test("wgsl`` expands lines or a multi-line string alone on its line at its indentation", () => {
  const inner = wgsl`
    if (c) {
      x = 1;
    }`;
  const text = wgsl`
    fn g() {
      ${["let a = 1;", "let b = 2;"]}
      ${[]}
      ${inner}
      return;
    }`;
  assert.equal(
    text,
    "fn g() {\n  let a = 1;\n  let b = 2;\n  if (c) {\n    x = 1;\n  }\n  return;\n}",
  );
});

Deno.test("wgsl`` rejects a list of lines inside other text", () => {
  assert.throws(() => wgsl`let a = ${["1", "2"]};`, /must stand alone on its line/);
});

Deno.test("forEntries(), accumulators() and shiftColumns() name a_m_n row by row", () => {
  const t = { rows: 2, cols: 3 };
  assert.deepEqual(forEntries(t, (m, n) => `${m}${n}`), ["00", "01", "02", "10", "11", "12"]);
  assert.deepEqual(accumulators({ rows: 1, cols: 2 }, (m, n) => `${m + n}.0`), [
    "var a_0_0 = 0.0;",
    "var a_0_1 = 1.0;",
  ]);
  assert.deepEqual(shiftColumns(t, 1), [
    "a_0_0 = a_0_1;",
    "a_0_1 = a_0_2;",
    "a_1_0 = a_1_1;",
    "a_1_1 = a_1_2;",
  ]);
});
