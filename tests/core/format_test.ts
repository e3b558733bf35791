import assert from "node:assert/strict";
import { formatCi, formatFixed, formatNumber, formatRate } from "../../core/format.ts";

Deno.test("formatNumber keeps integers, rounds to 4 significant digits, uses exponents outside [1e-3, 1e6)", () => {
  assert.equal(formatNumber(42), "42");
  assert.equal(formatNumber(1234567), "1234567");
  assert.equal(formatNumber(0.123456), "0.1235");
  assert.equal(formatNumber(1e-4), "1e-4");
  assert.equal(formatNumber(2.5e7 + 0.5), "2.5e+7");
  assert.equal(formatNumber(NaN), "NaN");
  assert.equal(formatNumber(-Infinity), "-Infinity");
});

Deno.test("formatFixed, formatRate and formatCi: fixed decimals and a placeholder for missing values", () => {
  assert.equal(formatFixed(1.23456, 2), "1.23");
  assert.equal(formatFixed(NaN, 2), "NaN");
  assert.equal(formatFixed(NaN, 2, "n/a"), "n/a");
  assert.equal(formatRate(12.345), "12.3");
  assert.equal(formatRate(123.45), "123");
  assert.equal(formatRate(Infinity), "-");
  assert.equal(formatCi({ mean: 0.5, ci95Low: 0.25, ci95High: 0.75 }), "0.500 [0.250, 0.750]");
  assert.equal(formatCi({ mean: 1, ci95Low: NaN, ci95High: NaN }, 1, "-"), "1.0 [-, -]");
});
