/**
 * The WebAssembly SIMD kernels of `denseForward` (_mlp_fast.ts). For a few samples, `fwd` on the
 * weights as they are (fout, fin), a pair of samples per vector against each weight; for more,
 * `tr` transposes the weights to (fin, fout) and `fwdt` forms the outputs from them, two samples
 * against the same loads of the weights, two outputs per vector. Each lane's sum starts at the
 * bias and adds w_i x_i for i ascending, as the plain loop's, so the results are its bits.
 * @module
 */
import {
  addr,
  bump,
  bump2,
  ge,
  I32,
  type Ins,
  loop,
  mul,
  V128,
  type WasmFunction,
} from "./wasm_emit.ts";

/** The parameters and locals `fwd` and `fwdt` share, by index (see `F`, `FP`). */
const PAIR = {
  out: 0,
  bias: 2,
  x: 3,
  n: 4,
  fin: 5,
  fout: 6,
  f8: 7,
  b: 9,
  j: 10,
  i: 11,
  x0: 12,
  x1: 13,
  p: 14,
  fb: 15,
};
// Parameters and locals of `fwdt`, by index.
const F = { ...PAIR, wt: 1, f2: 8, ob: 16, o: 17 };
// v128 locals: the two inputs, a weight pair, 4 sums per sample.
const A0 = 18;
const A1 = 19;
const W = 20;
const S0 = 21;
const S1 = 25;

/** `fwdt`'s blocks of v vectors (2v outputs) of samples b, b + 1 while j is below local `end`. */
function blocks(v: number, end: number): Ins[] {
  const qs = Array.from({ length: v }, (_, q) => q);
  const term: Ins[] = [
    ["local.get", F.x0],
    ["local.get", F.i],
    ["i32.add"],
    ["v128.load64_splat", 0],
    ["local.set", A0],
    ["local.get", F.x1],
    ["local.get", F.i],
    ["i32.add"],
    ["v128.load64_splat", 0],
    ["local.set", A1],
    ...qs.flatMap((q): Ins[] => [
      ["local.get", F.p],
      ["v128.load", 16 * q],
      ["local.set", W],
      ["local.get", S0 + q],
      ["local.get", W],
      ["local.get", A0],
      ["f64x2.mul"],
      ["f64x2.add"],
      ["local.set", S0 + q],
      ["local.get", S1 + q],
      ["local.get", W],
      ["local.get", A1],
      ["f64x2.mul"],
      ["f64x2.add"],
      ["local.set", S1 + q],
    ]),
    // The next row of the transposed weights.
    ...bump2(F.p, F.ob),
  ];
  const store = (sums: number): Ins[] =>
    qs.flatMap((q): Ins[] => [["local.get", F.o], ["local.get", sums + q], ["v128.store", 16 * q]]);
  return loop(
    [["local.get", F.j], ["local.get", end], ["i32.ge_s"]],
    [
      ...qs.flatMap((q): Ins[] => [
        ...addr(F.bias, F.j, 3),
        ["v128.load", 16 * q],
        ["local.tee", S0 + q],
        ["local.set", S1 + q],
      ]),
      ...addr(F.wt, F.j, 3),
      ["local.set", F.p],
      ["i32.const", 0],
      ["local.set", F.i],
      ...loop(ge(F.i, F.fb), term, bump(F.i, 8)),
      // o: out[b][j]'s byte address; then out[b + 1][j]'s when b + 1 < n.
      ...mul(F.o, F.b, F.fout),
      ...addr(F.out, F.o, 3),
      ["local.get", F.j],
      ["i32.const", 3],
      ["i32.shl"],
      ["i32.add"],
      ["local.set", F.o],
      ...store(S0),
      ["local.get", F.b],
      ["i32.const", 1],
      ["i32.add"],
      ["local.get", F.n],
      ["i32.lt_s"],
      ["if"],
      ...bump2(F.o, F.ob),
      ...store(S1),
      ["end"],
    ],
    bump(F.j, 2 * v),
  );
}

/**
 * fwdt(out, wt, bias, x, n, fin, fout, f8, f2), byte addresses and counts: out (n, fout) = x (n,
 * fin) wt + bias for the outputs j < f2 (blocks of 8 below f8, then of 2), wt (fin, fout)
 * row-major; samples in pairs (an odd n's last one computed twice, stored once).
 */
function fwdtBody(): Ins[] {
  const ob: Ins[] = [["local.get", F.fout], ["i32.const", 3], ["i32.shl"], ["local.set", F.ob]];
  return overPairs(F, ob, [...blocks(4, F.f8), ...blocks(1, F.f2)]);
}

/** The locals of a loop over sample pairs (`overPairs`). */
interface PairLocals {
  x: number;
  n: number;
  fin: number;
  b: number;
  j: number;
  x0: number;
  x1: number;
  fb: number;
}

/**
 * A body that sets fb = 8 fin, runs `setup`, then `blocks` for each pair of samples b, b + 1 with
 * x0, x1 their rows' byte addresses in x (an odd n's last sample in both) and j = 0.
 */
function overPairs(L: PairLocals, setup: Ins[], blocks: Ins[]): Ins[] {
  const pair: Ins[] = [
    ...mul(L.x0, L.b, L.fb),
    ["local.get", L.x],
    ["local.get", L.x0],
    ["i32.add"],
    ["local.tee", L.x0],
    ["local.set", L.x1],
    ["local.get", L.b],
    ["i32.const", 1],
    ["i32.add"],
    ["local.get", L.n],
    ["i32.lt_s"],
    ["if"],
    ...bump2(L.x1, L.fb),
    ["end"],
    ["i32.const", 0],
    ["local.set", L.j],
    ...blocks,
  ];
  return [
    ["local.get", L.fin],
    ["i32.const", 3],
    ["i32.shl"],
    ["local.set", L.fb],
    ...setup,
    ["i32.const", 0],
    ["local.set", L.b],
    ...loop(ge(L.b, L.n), pair, bump(L.b, 2)),
  ];
}

// Parameters and locals of `tr`.
const T = { dst: 0, src: 1, rows: 2, cols: 3, r: 4, c: 5, s: 6, d: 7, rb: 8 };

/** tr(dst, src, rows, cols), byte addresses: dst (cols, rows) = src (rows, cols) transposed. */
function trBody(): Ins[] {
  const row: Ins[] = [
    // d: dst[0][r]'s address; each next column's entry is rows entries on.
    ...addr(T.dst, T.r, 3),
    ["local.set", T.d],
    ["i32.const", 0],
    ["local.set", T.c],
    ...loop(ge(T.c, T.cols), [
      ["local.get", T.d],
      ["local.get", T.s],
      ["f64.load", 0],
      ["f64.store", 0],
      ...bump(T.s, 8),
      ...bump2(T.d, T.rb),
    ], bump(T.c, 1)),
  ];
  return [
    ["local.get", T.rows],
    ["i32.const", 3],
    ["i32.shl"],
    ["local.set", T.rb],
    ["local.get", T.src],
    ["local.set", T.s],
    ["i32.const", 0],
    ["local.set", T.r],
    ...loop(ge(T.r, T.rows), row, bump(T.r, 1)),
  ];
}

// Parameters and locals of `fwd` (the weights as they are, a sample pair in each vector).
const FP = { ...PAIR, w: 1, f4: 8, o: 16 };
const PV = 17; // v128 locals: the input pair, 8 sums

/** `fwd`'s blocks of v outputs of samples b, b + 1 while j is below local `end`. */
function pairBlocks(v: number, end: number): Ins[] {
  const qs = Array.from({ length: v }, (_, q) => q);
  const term: Ins[] = [
    // The pair (x0[i], x1[i]).
    ["local.get", FP.x1],
    ["local.get", FP.i],
    ["i32.add"],
    ["local.get", FP.x0],
    ["local.get", FP.i],
    ["i32.add"],
    ["v128.load64_splat", 0],
    ["v128.load64_lane", 0, 1],
    ["local.set", PV],
    // p: W[j][i]'s byte address, then each next row's.
    ["local.get", FP.w],
    ["local.get", FP.j],
    ["local.get", FP.fb],
    ["i32.mul"],
    ["i32.add"],
    ["local.get", FP.i],
    ["i32.add"],
    ["local.set", FP.p],
    ...qs.flatMap((q): Ins[] => [
      ["local.get", PV + 1 + q],
      ["local.get", FP.p],
      ["v128.load64_splat", 0],
      ["local.get", PV],
      ["f64x2.mul"],
      ["f64x2.add"],
      ["local.set", PV + 1 + q],
      ...(q + 1 < v ? bump2(FP.p, FP.fb) : []),
    ]),
  ];
  return loop(
    [["local.get", FP.j], ["local.get", end], ["i32.ge_s"]],
    [
      ...qs.flatMap((q): Ins[] => [
        ...addr(FP.bias, FP.j, 3),
        ["v128.load64_splat", 8 * q],
        ["local.set", PV + 1 + q],
      ]),
      ["i32.const", 0],
      ["local.set", FP.i],
      ...loop(ge(FP.i, FP.fb), term, bump(FP.i, 8)),
      ...pairStores(v),
    ],
    bump(FP.j, v),
  );
}

/** `fwd`'s stores of a block's v sums: lane 0 to out[b][j..], lane 1 to out[b + 1][j..] if any. */
function pairStores(v: number): Ins[] {
  const qs = Array.from({ length: v }, (_, q) => q);
  const store = (q: number, lane: number): Ins[] => [
    ["local.get", FP.o],
    ["local.get", PV + 1 + q],
    ["f64x2.extract_lane", lane],
    ["f64.store", 8 * q],
  ];
  return [
    ...mul(FP.o, FP.b, FP.fout),
    ...addr(FP.out, FP.o, 3),
    ["local.get", FP.j],
    ["i32.const", 3],
    ["i32.shl"],
    ["i32.add"],
    ["local.set", FP.o],
    ...qs.flatMap((q) => store(q, 0)),
    ["local.get", FP.b],
    ["i32.const", 1],
    ["i32.add"],
    ["local.get", FP.n],
    ["i32.lt_s"],
    ["if"],
    ["local.get", FP.o],
    ["local.get", FP.fout],
    ["i32.const", 3],
    ["i32.shl"],
    ["i32.add"],
    ["local.set", FP.o],
    ...qs.flatMap((q) => store(q, 1)),
    ["end"],
  ];
}

/**
 * fwd(out, w, bias, x, n, fin, fout, f8, f4), byte addresses and counts: out (n, fout) = x (n, fin)
 * W^T + bias for the outputs j < f4 (blocks of 8 below f8, then of 4), W (fout, fin) row-major;
 * samples in pairs, one per lane (an odd n's last sample in both), each sum starting at the bias
 * and adding w_i x_i for i ascending.
 */
function fwdBody(): Ins[] {
  return overPairs(FP, [], [...pairBlocks(8, FP.f8), ...pairBlocks(4, FP.f4)]);
}

/** The `fwd`, `fwdt` and `tr` functions. */
export function fwdFunctions(): WasmFunction[] {
  return [
    {
      name: "fwd",
      params: 9,
      locals: [{ type: I32, count: 8 }, { type: V128, count: 9 }],
      body: fwdBody(),
    },
    {
      name: "fwdt",
      params: 9,
      locals: [{ type: I32, count: 9 }, { type: V128, count: 11 }],
      body: fwdtBody(),
    },
    { name: "tr", params: 4, locals: [{ type: I32, count: 5 }], body: trBody() },
  ];
}
