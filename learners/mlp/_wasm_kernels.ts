/**
 * The bodies of the WebAssembly SIMD kernels of the fast MLP passes (_wasm_rows.ts runs them):
 * `rows`, the gradient sums of `accumulateRows` (_row_sums.ts), and `fwd`, the dense layer of
 * `denseForward` (_mlp_fast.ts). Each adds the plain loop's terms in its order, two f64 lanes per
 * instruction, each lane holding its own sum (lanes are never added together, and a product then
 * a sum are two roundings, as in JavaScript), so the results are the plain loops' bit for bit.
 * @module
 */
import { bump, bump2, F64, ge, I32, type Ins, loop, V128, type WasmFunction } from "./wasm_emit.ts";

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

/** k-loop body of `rows`: the `lanes` vector sums at byte i add d[k] src[offs[k] + i/8 ...]. */
function rowsTerm(lanes: number): Ins[] {
  const out: Ins[] = [
    ["local.get", R.d],
    ["local.get", R.k],
    ["i32.const", 3],
    ["i32.shl"],
    ["i32.add"],
    ["v128.load64_splat", 0],
    ["local.set", DK],
    ["local.get", R.offs],
    ["local.get", R.k],
    ["i32.const", 2],
    ["i32.shl"],
    ["i32.add"],
    ["i32.load", 0],
    ["i32.const", 3],
    ["i32.shl"],
    ["local.get", R.src],
    ["i32.add"],
    ["local.get", R.i],
    ["i32.add"],
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
  const qs = Array.from({ length: v }, (_, q) => q);
  const kLoop = loop(ge(R.k, R.count), rowsTerm(v), bump(R.k, 1));
  return loop(
    ge(R.i, end),
    [
      ...qs.flatMap((q): Ins[] => [
        ["local.get", R.out],
        ["local.get", R.i],
        ["i32.add"],
        ["v128.load", 16 * q],
        ["local.set", RV + 1 + q],
      ]),
      ["i32.const", 0],
      ["local.set", R.k],
      ...kLoop,
      ...qs.flatMap((q): Ins[] => [
        ["local.get", R.out],
        ["local.get", R.i],
        ["i32.add"],
        ["local.get", RV + 1 + q],
        ["v128.store", 16 * q],
      ]),
    ],
    bump(R.i, 16 * v),
  );
}

/** The outputs past the blocks, one at a time. */
function rowsTail(): Ins[] {
  const term: Ins[] = [
    ["local.get", R.s],
    ["local.get", R.d],
    ["local.get", R.k],
    ["i32.const", 3],
    ["i32.shl"],
    ["i32.add"],
    ["f64.load", 0],
    ["local.get", R.offs],
    ["local.get", R.k],
    ["i32.const", 2],
    ["i32.shl"],
    ["i32.add"],
    ["i32.load", 0],
    ["i32.const", 3],
    ["i32.shl"],
    ["local.get", R.src],
    ["i32.add"],
    ["local.get", R.i],
    ["i32.add"],
    ["f64.load", 0],
    ["f64.mul"],
    ["f64.add"],
    ["local.set", R.s],
  ];
  return loop(
    ge(R.i, R.lenB),
    [
      ["local.get", R.out],
      ["local.get", R.i],
      ["i32.add"],
      ["f64.load", 0],
      ["local.set", R.s],
      ["i32.const", 0],
      ["local.set", R.k],
      ...loop(ge(R.k, R.count), term, bump(R.k, 1)),
      ["local.get", R.out],
      ["local.get", R.i],
      ["i32.add"],
      ["local.get", R.s],
      ["f64.store", 0],
    ],
    bump(R.i, 8),
  );
}

// Parameters and locals of `fwd`, by index.
const F = {
  out: 0,
  w: 1,
  bias: 2,
  x: 3,
  n: 4,
  fin: 5,
  fout: 6,
  f8: 7,
  f4: 8,
  b: 9,
  j: 10,
  i: 11,
  x0: 12,
  x1: 13,
  p: 14,
  fb: 15,
  o: 16,
};
const FV = 17; // v128 locals: the input pair, 8 sums

/** `fwd`'s blocks of v outputs of samples b, b + 1 while j is below local `end`. */
function fwdBlocks(v: number, end: number): Ins[] {
  const qs = Array.from({ length: v }, (_, q) => q);
  const term: Ins[] = [
    // The pair (x0[i], x1[i]).
    ["local.get", F.x1],
    ["local.get", F.i],
    ["i32.add"],
    ["local.get", F.x0],
    ["local.get", F.i],
    ["i32.add"],
    ["v128.load64_splat", 0],
    ["v128.load64_lane", 0, 1],
    ["local.set", FV],
    // p: W[j][i]'s byte address, then each next row's.
    ["local.get", F.w],
    ["local.get", F.j],
    ["local.get", F.fb],
    ["i32.mul"],
    ["i32.add"],
    ["local.get", F.i],
    ["i32.add"],
    ["local.set", F.p],
    ...qs.flatMap((q): Ins[] => [
      ["local.get", FV + 1 + q],
      ["local.get", F.p],
      ["v128.load64_splat", 0],
      ["local.get", FV],
      ["f64x2.mul"],
      ["f64x2.add"],
      ["local.set", FV + 1 + q],
      ...(q + 1 < v ? bump2(F.p, F.fb) : []),
    ]),
  ];
  const store = (q: number, lane: number): Ins[] => [
    ["local.get", F.o],
    ["local.get", FV + 1 + q],
    ["f64x2.extract_lane", lane],
    ["f64.store", 8 * q],
  ];
  return loop(
    [["local.get", F.j], ["local.get", end], ["i32.ge_s"]],
    [
      ...qs.flatMap((q): Ins[] => [
        ["local.get", F.bias],
        ["local.get", F.j],
        ["i32.const", 3],
        ["i32.shl"],
        ["i32.add"],
        ["v128.load64_splat", 8 * q],
        ["local.set", FV + 1 + q],
      ]),
      ["i32.const", 0],
      ["local.set", F.i],
      ...loop(ge(F.i, F.fb), term, bump(F.i, 8)),
      // o: out[b][j]'s byte address; then out[b + 1][j]'s when b + 1 < n.
      ["local.get", F.out],
      ["local.get", F.b],
      ["local.get", F.fout],
      ["i32.mul"],
      ["local.get", F.j],
      ["i32.add"],
      ["i32.const", 3],
      ["i32.shl"],
      ["i32.add"],
      ["local.set", F.o],
      ...qs.flatMap((q) => store(q, 0)),
      ["local.get", F.b],
      ["i32.const", 1],
      ["i32.add"],
      ["local.get", F.n],
      ["i32.lt_s"],
      ["if"],
      ["local.get", F.o],
      ["local.get", F.fout],
      ["i32.const", 3],
      ["i32.shl"],
      ["i32.add"],
      ["local.set", F.o],
      ...qs.flatMap((q) => store(q, 1)),
      ["end"],
    ],
    bump(F.j, v),
  );
}

/**
 * fwd(out, w, bias, x, n, fin, fout, f8, f4), byte addresses and counts: out (n, fout) = x (n, fin)
 * W^T + bias for the outputs j < f4 (blocks of 8 below f8, then of 4), W (fout, fin) row-major;
 * samples in pairs, one per lane (an odd n's last sample in both), each sum starting at the bias
 * and adding w_i x_i for i ascending.
 */
function fwdBody(): Ins[] {
  const pair: Ins[] = [
    ["local.get", F.x],
    ["local.get", F.b],
    ["local.get", F.fb],
    ["i32.mul"],
    ["i32.add"],
    ["local.tee", F.x0],
    ["local.set", F.x1],
    ["local.get", F.b],
    ["i32.const", 1],
    ["i32.add"],
    ["local.get", F.n],
    ["i32.lt_s"],
    ["if"],
    ["local.get", F.x0],
    ["local.get", F.fb],
    ["i32.add"],
    ["local.set", F.x1],
    ["end"],
    ["i32.const", 0],
    ["local.set", F.j],
    ...fwdBlocks(8, F.f8),
    ...fwdBlocks(4, F.f4),
  ];
  return [
    ["local.get", F.fin],
    ["i32.const", 3],
    ["i32.shl"],
    ["local.set", F.fb],
    ["i32.const", 0],
    ["local.set", F.b],
    ...loop(ge(F.b, F.n), pair, bump(F.b, 2)),
  ];
}

/** The `rows` and `fwd` functions (`rows` first: the gradient kernels call it as function 0). */
export function rowsFunctions(): WasmFunction[] {
  return [{
    name: "rows",
    params: 8,
    locals: [{ type: I32, count: 3 }, { type: F64, count: 1 }, { type: V128, count: 9 }],
    body: rowsBody(),
  }, {
    name: "fwd",
    params: 9,
    locals: [{ type: I32, count: 8 }, { type: V128, count: 9 }],
    body: fwdBody(),
  }];
}
