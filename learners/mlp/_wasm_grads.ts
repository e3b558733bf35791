/**
 * The WebAssembly kernels of the fast backward pass's sums (_batch_grad_fast.ts): `wgrad`, the
 * weight and bias gradients of a layer (`weightGrads`), and `isums`, the input sums of the layer
 * below (`inputSums`). Each gathers the nonzero deltas of a column or row as the plain loop does
 * and adds them with `rows` (_wasm_kernels.ts, function 0), so the results are the plain loops' bit
 * for bit; one call per layer instead of one per row.
 * @module
 */
import { addr, bump, F64, ge, I32, type Ins, loop, mul, type WasmFunction } from "./wasm_emit.ts";

// Parameters and locals of both, by index (wgrad's gw, gb, a are isums' below, th, wOff).
const G = {
  p0: 0,
  p1: 1,
  p2: 2,
  delta: 3,
  n: 4,
  fin: 5,
  fout: 6,
  coef: 7,
  offs: 8,
  j: 9,
  b: 10,
  count: 11,
  len16: 12,
  lenA: 13,
  lenB: 14,
  fb: 15,
  t: 16,
  i: 17,
  v: 18,
  bias: 19,
};

/** The lengths `rows` takes, in bytes, for rows of fin entries. */
const LENGTHS: Ins[] = [
  ["local.get", G.fin],
  ["i32.const", 3],
  ["i32.shl"],
  ["local.tee", G.fb],
  ["local.set", G.lenB],
  ["local.get", G.fin],
  ["i32.const", -8],
  ["i32.and"],
  ["i32.const", 3],
  ["i32.shl"],
  ["local.set", G.lenA],
  ["local.get", G.fin],
  ["i32.const", -16],
  ["i32.and"],
  ["i32.const", 3],
  ["i32.shl"],
  ["local.set", G.len16],
];

/** v = delta[b][j] (f64, delta (n, fout) row-major). */
const LOAD_DELTA: Ins[] = [
  ["local.get", G.delta],
  ["local.get", G.b],
  ["local.get", G.fout],
  ["i32.mul"],
  ["local.get", G.j],
  ["i32.add"],
  ["i32.const", 3],
  ["i32.shl"],
  ["i32.add"],
  ["f64.load", 0],
  ["local.set", G.v],
];

/** When v is nonzero: coef[count] = v, offs[count] = the i32 local `off`, count += 1. */
function keep(off: Ins[]): Ins[] {
  return [
    ["local.get", G.v],
    ["f64.const", 0],
    ["f64.ne"],
    ["if"],
    ...addr(G.coef, G.count, 3),
    ["local.get", G.v],
    ["f64.store", 0],
    ...addr(G.offs, G.count, 2),
    ...off,
    ["i32.store", 0],
    ...bump(G.count, 1),
    ["end"],
  ];
}

/** rows(at, len16, lenA, lenB, src, offs, coef, count) with `at` left on the stack by `at`. */
function callRows(at: Ins[], src: number): Ins[] {
  return [
    ...at,
    ["local.get", G.len16],
    ["local.get", G.lenA],
    ["local.get", G.lenB],
    ["local.get", src],
    ["local.get", G.offs],
    ["local.get", G.coef],
    ["local.get", G.count],
    ["call", 0],
  ];
}

/**
 * wgrad(gw, gb, a, delta, n, fin, fout, coef, offs), byte addresses: for each output j, the bias
 * gradient at gb adds every sample's delta in order, and the weight row at gw + j fin adds
 * delta[b][j] a[b] for the samples b (ascending) whose delta is nonzero.
 */
function wgradBody(): Ins[] {
  const column: Ins[] = [
    ["i32.const", 0],
    ["local.set", G.count],
    ...addr(G.p1, G.j, 3),
    ["f64.load", 0],
    ["local.set", G.bias],
    ["i32.const", 0],
    ["local.set", G.b],
    ...loop(ge(G.b, G.n), [
      ...LOAD_DELTA,
      ["local.get", G.bias],
      ["local.get", G.v],
      ["f64.add"],
      ["local.set", G.bias],
      ...keep([["local.get", G.b], ["local.get", G.fin], ["i32.mul"]]),
    ], bump(G.b, 1)),
    ...addr(G.p1, G.j, 3),
    ["local.get", G.bias],
    ["f64.store", 0],
    ...mul(G.t, G.j, G.fb),
    ...callRows([["local.get", G.p0], ["local.get", G.t], ["i32.add"]], G.p2),
  ];
  return [
    ...LENGTHS,
    ["i32.const", 0],
    ["local.set", G.j],
    ...loop(ge(G.j, G.fout), column, bump(G.j, 1)),
  ];
}

/**
 * isums(below, th, wOff, delta, n, fin, fout, coef, offs), byte addresses but wOff (the weights'
 * f64 index in th): row b of below (n, fin) = the sum over the outputs j (ascending) whose
 * delta[b][j] is nonzero of delta[b][j] W[j], from +0, W (fout, fin) row-major at wOff of th.
 */
function isumsBody(): Ins[] {
  const row: Ins[] = [
    ["i32.const", 0],
    ["local.set", G.count],
    ["i32.const", 0],
    ["local.set", G.j],
    ...loop(ge(G.j, G.fout), [
      ...LOAD_DELTA,
      ...keep([["local.get", G.p2], ["local.get", G.j], ["local.get", G.fin], ["i32.mul"], [
        "i32.add",
      ]]),
    ], bump(G.j, 1)),
    // t: the row's byte address; zeroed, then the sums.
    ...mul(G.t, G.b, G.fb),
    ["local.get", G.p0],
    ["local.get", G.t],
    ["i32.add"],
    ["local.set", G.t],
    ["i32.const", 0],
    ["local.set", G.i],
    ...loop(ge(G.i, G.fb), [
      ["local.get", G.t],
      ["local.get", G.i],
      ["i32.add"],
      ["f64.const", 0],
      ["f64.store", 0],
    ], bump(G.i, 8)),
    ...callRows([["local.get", G.t]], G.p1),
  ];
  return [
    ...LENGTHS,
    ["i32.const", 0],
    ["local.set", G.b],
    ...loop(ge(G.b, G.n), row, bump(G.b, 1)),
  ];
}

/** The `wgrad` and `isums` functions (they call function 0, `rows`). */
export function gradFunctions(): WasmFunction[] {
  const locals = [{ type: I32, count: 9 }, { type: F64, count: 2 }];
  return [
    { name: "wgrad", params: 9, locals, body: wgradBody() },
    { name: "isums", params: 9, locals, body: isumsBody() },
  ];
}
