/**
 * `rows2`, the WebAssembly SIMD kernel of `accumulateRows2` (_row_sums.ts: second-order MAML's
 * R-backward sums, two coefficient sets against two sources at the same offsets), which
 * _wasm_rows.ts runs. As every kernel of _wasm_kernels.ts, each f64 lane holds one sum and adds the
 * plain loop's terms in its order, with the plain loop's roundings (c x, e y, their sum, then the
 * running sum), so the results are the plain loop's bit for bit.
 * @module
 */
import { addr, F64, I32, type Ins, V128, type WasmFunction } from "./wasm_emit.ts";
import { scalarTail, vectorBlocks } from "./_wasm_kernels.ts";

// Parameters and locals of `rows2`, by index.
const R = {
  out: 0,
  lenA: 1,
  lenB: 2,
  x: 3,
  y: 4,
  offs: 5,
  c: 6,
  e: 7,
  count: 8,
  i: 9,
  k: 10,
  r: 11,
  s: 12,
};
const RV = 13; // v128 locals: the two coefficients, 4 sums
const CK = RV;
const EK = RV + 1;
const SUMS = RV + 2;
const VECTORS = 4;

/** offs[k] * 8 + i (the byte offset of both sources' entry), left on the stack. */
const OFFSET: Ins[] = [
  ...addr(R.offs, R.k, 2),
  ["i32.load", 0],
  ["i32.const", 3],
  ["i32.shl"],
  ["local.get", R.i],
  ["i32.add"],
];

/** The value (f64x2 with `v`, f64 without) of `src` at the offset in local r plus `at` bytes. */
function load(src: number, at: number, v: boolean): Ins[] {
  return [["local.get", src], ["local.get", R.r], ["i32.add"], [v ? "v128.load" : "f64.load", at]];
}

/** k-loop body of the blocks: each vector sum adds c[k] x[...] + e[k] y[...]. */
function blockTerm(): Ins[] {
  const out: Ins[] = [
    ...addr(R.c, R.k, 3),
    ["v128.load64_splat", 0],
    ["local.set", CK],
    ...addr(R.e, R.k, 3),
    ["v128.load64_splat", 0],
    ["local.set", EK],
    ...OFFSET,
    ["local.set", R.r],
  ];
  for (let q = 0; q < VECTORS; q++) {
    out.push(
      ["local.get", SUMS + q],
      ["local.get", CK],
      ...load(R.x, 16 * q, true),
      ["f64x2.mul"],
      ["local.get", EK],
      ...load(R.y, 16 * q, true),
      ["f64x2.mul"],
      ["f64x2.add"],
      ["f64x2.add"],
      ["local.set", SUMS + q],
    );
  }
  return out;
}

/** Blocks of 8 outputs (4 vectors) while byte i is below lenA. */
function blocks(): Ins[] {
  return vectorBlocks(R, { first: SUMS, v: VECTORS, end: R.lenA }, blockTerm());
}

/** The outputs past the blocks, one at a time. */
function tail(): Ins[] {
  const term: Ins[] = [
    ["local.get", R.s],
    ...addr(R.c, R.k, 3),
    ["f64.load", 0],
    ...OFFSET,
    ["local.set", R.r],
    ...load(R.x, 0, false),
    ["f64.mul"],
    ...addr(R.e, R.k, 3),
    ["f64.load", 0],
    ...load(R.y, 0, false),
    ["f64.mul"],
    ["f64.add"],
    ["f64.add"],
    ["local.set", R.s],
  ];
  return scalarTail(R, term);
}

/**
 * rows2(out, lenA, lenB, x, y, offs, c, e, count), byte addresses: out[i] += sum over k ascending
 * of (c[k] x[offs[k] + i] + e[k] y[offs[k] + i]) for i < lenB/8, eight at a time below lenA/8,
 * then one at a time; offs are f64 indices into x and y.
 */
export function rows2Functions(): WasmFunction[] {
  return [{
    name: "rows2",
    params: 9,
    locals: [{ type: I32, count: 3 }, { type: F64, count: 1 }, { type: V128, count: 2 + VECTORS }],
    body: [["i32.const", 0], ["local.set", R.i], ...blocks(), ...tail()],
  }];
}
