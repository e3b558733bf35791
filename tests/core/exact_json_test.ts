import assert from "node:assert/strict";
import { fromExactJson, toExactJson } from "../../core/exact_json.ts";

Deno.test("toExactJson() round-trips typed arrays, NaN, infinities and -0 through JSON exactly", () => {
  const value = {
    f32: Float32Array.of(0.1, NaN, -0, Infinity, 3.4028234663852886e38),
    f64: Float64Array.of(0.1, -Infinity, 5e-324),
    u32: Uint32Array.of(0, 4294967295),
    nested: [{ x: NaN, y: -0 }, undefined],
  };
  const back = fromExactJson(JSON.parse(JSON.stringify(toExactJson(value)))) as typeof value;
  assert.ok(back.f32 instanceof Float32Array);
  assert.ok(back.f64 instanceof Float64Array);
  assert.ok(back.u32 instanceof Uint32Array);
  assert.deepEqual(back, value);
  assert.ok(Object.is(back.f32[2], -0));
});

Deno.test("toExactJson() refuses typed arrays of bigints", () => {
  assert.throws(
    () => toExactJson(BigInt64Array.of(1n)),
    /must hold numbers: current type is BigInt64Array/,
  );
});
