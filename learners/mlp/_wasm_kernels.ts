/**
 * The body of `rows`, the WebAssembly SIMD kernel of the gradient sums of `accumulateRows`
 * (_row_sums.ts), which _wasm_grads.ts builds on and _wasm_rows.ts runs. Like every kernel there
 * (_wasm_fwd.ts too), it adds the plain loop's terms in its order, two f64 lanes per
 * instruction, each lane holding its own sum (lanes are never added together, and a product then
 * a sum are two roundings, as in JavaScript), so the results are the plain loops' bit for bit.
 * @module
 */
import { addr, bump, F64, ge, I32, type Ins, loop, V128, type WasmFunction } from "./wasm_emit.ts";

// Parameters and locals of `rows`, by index.
const R = {
  out: 0,
  len16: 1,
  lenA: 2,
  lenB: 3,
  src: 4,
  offs: 5,
  d: 6,
  count: 7,
  i: 8,
  k: 9,
  r: 10,
  s: 11,
};
const RV = 12; // v128 locals: the coefficient, 8 sums
const DK = RV;

/** The byte address of src[offs[k] + i/8], left on the stack. */
const SRC_AT: Ins[] = [
  ...addr(R.offs, R.k, 2),
  ["i32.load", 0],
  ["i32.const", 3],
  ["i32.shl"],
  ["local.get", R.src],
  ["i32.add"],
  ["local.get", R.i],
  ["i32.add"],
];

/** k-loop body of `rows`: the `lanes` vector sums at byte i add d[k] src[offs[k] + i/8 ...]. */
function rowsTerm(lanes: number): Ins[] {
  const out: Ins[] = [
    ...addr(R.d, R.k, 3),
    ["v128.load64_splat", 0],
    ["local.set", DK],
    ...SRC_AT,
    ["local.set", R.r],
  ];
  for (let q = 0; q < lanes; q++) {
    out.push(
      ["local.get", RV + 1 + q],
      ["local.get", DK],
      ["local.get", R.r],
      ["v128.load", 16 * q],
      ["f64x2.mul"],
      ["f64x2.add"],
      ["local.set", RV + 1 + q],
    );
  }
  return out;
}

/**
 * rows(out, lenA, lenB, src, offs, d, count), byte addresses: out[i] += sum over k ascending of
 * d[k] src[offs[k] + i] for i < lenB/8, eight at a time (four vectors) below lenA/8, then one at
 * a time; offs are f64 indices into src.
 */
function rowsBody(): Ins[] {
  return [
    ["i32.const", 0],
    ["local.set", R.i],
    ...rowsBlocks(8, R.len16),
    ...rowsBlocks(4, R.lenA),
    ...rowsTail(),
  ];
}

/** Blocks of `v` vectors (2v outputs) while byte i is below local `end`. */
function rowsBlocks(v: number, end: number): Ins[] {
  return vectorBlocks(R, { first: RV + 1, v, end }, rowsTerm(v));
}

/**
 * The loop over blocks of `v` vectors (2v outputs) while byte i is below local `end`: the v128
 * locals from `first` start at out[i...], `term` adds term k of every sum for k ascending below
 * local `count`, and the sums are stored back. The locals are named by index in `at`.
 */
export function vectorBlocks(
  at: { out: number; i: number; k: number; count: number },
  sums: { first: number; v: number; end: number },
  term: Ins[],
): Ins[] {
  const qs = Array.from({ length: sums.v }, (_, q) => q);
  const out: Ins[] = [["local.get", at.out], ["local.get", at.i], ["i32.add"]];
  return loop(
    ge(at.i, sums.end),
    [
      ...qs.flatMap((q): Ins[] => [...out, ["v128.load", 16 * q], ["local.set", sums.first + q]]),
      ["i32.const", 0],
      ["local.set", at.k],
      ...loop(ge(at.k, at.count), term, bump(at.k, 1)),
      ...qs.flatMap((q): Ins[] => [...out, ["local.get", sums.first + q], ["v128.store", 16 * q]]),
    ],
    bump(at.i, 16 * sums.v),
  );
}

/** The outputs past the blocks, one at a time. */
function rowsTail(): Ins[] {
  const term: Ins[] = [
    ["local.get", R.s],
    ...addr(R.d, R.k, 3),
    ["f64.load", 0],
    ...SRC_AT,
    ["f64.load", 0],
    ["f64.mul"],
    ["f64.add"],
    ["local.set", R.s],
  ];
  return scalarTail(R, term);
}

/**
 * The loop over the outputs past a kernel's blocks (byte i up to local `lenB`, 8 bytes at a time):
 * local s starts at out[i], `term` adds term k of the sum to it for k ascending below local `count`,
 * and s is stored back. The locals are named by index in `at`.
 */
export function scalarTail(
  at: { out: number; i: number; lenB: number; s: number; k: number; count: number },
  term: Ins[],
): Ins[] {
  const out: Ins[] = [["local.get", at.out], ["local.get", at.i], ["i32.add"]];
  return loop(
    ge(at.i, at.lenB),
    [
      ...out,
      ["f64.load", 0],
      ["local.set", at.s],
      ["i32.const", 0],
      ["local.set", at.k],
      ...loop(ge(at.k, at.count), term, bump(at.k, 1)),
      ...out,
      ["local.get", at.s],
      ["f64.store", 0],
    ],
    bump(at.i, 8),
  );
}

/** The `rows` function (first in the module: the gradient kernels call it as function 0). */
export function rowsFunctions(): WasmFunction[] {
  return [{
    name: "rows",
    params: 8,
    locals: [{ type: I32, count: 3 }, { type: F64, count: 1 }, { type: V128, count: 9 }],
    body: rowsBody(),
  }];
}
