/**
 * Layer-major passes of an MLP over a batch, the fast paths of the CPU twins `trainStepCpu`
 * (mlp_cpu.ts) and `hvpStepCpu` (meta_train/maml_cpu.ts): activations as contiguous (n, width) rows
 * per layer, dot products blocked over 2 samples x 2 or 4 outputs, and gradient sums over the
 * nonzero deltas only (ReLU zeroes about half). Every sum adds its terms in the order of the
 * readable twin, one at a time, so the results are the same numbers. A skipped term is an exact
 * zero (a zero delta times a finite value) added to a sum that started at +0, which cannot change
 * it: such a sum is never -0, and x + (+-0) = x for any other x. The callers check that what a
 * skipped term multiplies is finite (`allFinite`) and run the readable twin otherwise.
 * @module
 */
import type { MlpData } from "./mlp_state.ts";
import { arenaF64, arenaI32, inArena, type WasmRows, wasmRows } from "./_wasm_rows.ts";

/** Scratch buffers, grown on demand and reused across models and calls. */
export interface FastScratch {
  /** Named f64 buffers. */
  bufs: Map<string, Float64Array>;
  /** The nonzero coefficients of one row or column, and a second set (R-backward). */
  coef: Float64Array;
  coef2: Float64Array;
  /** Where the rows they multiply start. */
  offs: Int32Array;
  /**
   * Whether its buffers are taken from this thread's WebAssembly arena (_wasm_rows.ts), where the
   * SIMD kernels can run on them: only the scratches of `threadScratch`, which live as long as the
   * thread (the arena never frees).
   */
  arena: boolean;
}

/** An empty scratch (its buffers on the heap: the plain loops run on them). */
export function fastScratch(): FastScratch {
  const none = new Float64Array(0);
  return { bufs: new Map(), coef: none, coef2: none, offs: new Int32Array(0), arena: false };
}

const threadScratches = new Map<string, FastScratch>();

/**
 * This thread's scratch `key` (one per caller kind: a caller's buffers must not be another's while
 * it runs), its buffers in the thread's WebAssembly arena when there is one.
 */
export function threadScratch(key: string): FastScratch {
  let ws = threadScratches.get(key);
  if (!ws) {
    ws = { ...fastScratch(), arena: wasmRows() !== null };
    threadScratches.set(key, ws);
  }
  return ws;
}

/** Scratch buffer `name` of at least n entries (contents undefined). */
export function scratch(ws: FastScratch, name: string, n: number): Float64Array {
  const a = ws.bufs.get(name);
  if (a && a.length >= n) return a;
  const len = Math.max(n, 2 * (a?.length ?? 0));
  const b = (ws.arena ? arenaF64(len) : null) ?? new Float64Array(len);
  ws.bufs.set(name, b);
  return b;
}

/** Whether a[from..to) are all finite. */
export function allFinite(a: ArrayLike<number>, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const v = a[k]!;
    if (v - v !== 0) return false;
  }
  return true;
}

/** Copies src[from..from+n) to an f64 scratch buffer `name`. */
export function f64Row(
  ws: FastScratch,
  name: string,
  src: ArrayLike<number>,
  from: number,
  n: number,
): Float64Array {
  const out = scratch(ws, name, n);
  if (src instanceof Float32Array) out.set(src.subarray(from, from + n));
  else for (let k = 0; k < n; k++) out[k] = src[from + k]!;
  return out;
}

/** Samples `idx` of `data` as contiguous f64 rows (n, inputs) in scratch `x`. */
export function gatherInputs(ws: FastScratch, data: MlpData, idx: ArrayLike<number>): Float64Array {
  const fin = data.inputs;
  const n = idx.length;
  const x = scratch(ws, "x", n * fin);
  const src = data.x;
  for (let b = 0; b < n; b++) {
    const from = idx[b]! * fin;
    x.set(src.subarray(from, from + fin), b * fin);
  }
  return x;
}

/** Makes sure the coefficient and offset scratch holds m entries. */
export function coefFor(ws: FastScratch, m: number): void {
  if (ws.coef.length < m) {
    const len = Math.max(m, 2 * ws.coef.length);
    ws.coef = (ws.arena ? arenaF64(len) : null) ?? new Float64Array(len);
    ws.coef2 = (ws.arena ? arenaF64(len) : null) ?? new Float64Array(len);
    ws.offs = (ws.arena ? arenaI32(len) : null) ?? new Int32Array(len);
  }
}

/** One dense layer's operands: the (fout, fin) row-major weights and the bias at `off` of `th`. */
interface Dense {
  th: Float64Array;
  off: { w: number; b: number };
  fin: number;
  fout: number;
}

/**
 * out (n, fout) = inp (n, fin) W^T + bias (pre-activation) with W the (fout, fin) row-major weights
 * at `w` of `th` and the bias at `bias`; each sum starts at the bias and adds w_i a_i for i ascending.
 */
export function denseForward(
  th: Float64Array,
  off: { w: number; b: number },
  inp: Float64Array,
  shape: { n: number; fin: number; fout: number },
  out: Float64Array,
): void {
  const d: Dense = { th, off, fin: shape.fin, fout: shape.fout };
  const w = wasmRows();
  if (w && inArena(w, th) && inArena(w, inp) && inArena(w, out)) {
    w.calls.forward++;
    forwardWasm(w, d, { inp, out, n: shape.n });
    return;
  }
  const n2 = shape.n - (shape.n % 2);
  for (let b = 0; b < n2; b += 2) forwardPair(d, inp, out, b);
  for (let b = n2; b < shape.n; b++) forwardOne(d, inp, out, b);
}

/**
 * denseForward by the SIMD kernels (_wasm_fwd.ts): under FWDT_MIN_SAMPLES samples `fwd` for the
 * outputs in blocks of 4, else `fwdt` on the transposed weights (a transposition costs about what
 * a few samples' products do) for the outputs in pairs; the plain loop for the outputs left.
 */
function forwardWasm(
  w: WasmRows,
  d: Dense,
  t: { inp: Float64Array; out: Float64Array; n: number },
): void {
  const { th, off, fin, fout } = d;
  const { inp, out, n } = t;
  const at = th.byteOffset;
  const [x, o, bias] = [inp.byteOffset, out.byteOffset, at + 8 * off.b];
  let done = fout - (fout % 4);
  if (n < FWDT_MIN_SAMPLES) {
    w.fwd(o, at + 8 * off.w, bias, x, n, fin, fout, fout - (fout % 8), done);
  } else {
    done = fout - (fout % 2);
    const wt = scratch(threadScratch("denseForward"), "wt", fin * fout);
    w.tr(wt.byteOffset, at + 8 * off.w, fout, fin);
    w.fwdt(o, wt.byteOffset, bias, x, n, fin, fout, fout - (fout % 8), done);
  }
  for (let b = 0; b < n; b++) forwardRest(d, inp, out, b, done);
}

/**
 * Samples from which denseForward transposes the weights: at 196 -> 64, 5 samples ran slower
 * transposed (1.6-1.8 against 2.3-3.0 G multiply-adds/s), 25 faster (3.9 against 2.6; a one-off
 * timing script of 2026-12-04, `bench/evaluate_twin.ts` times the 75-sample case).
 */
const FWDT_MIN_SAMPLES = 8;

/** denseForward's sample b at outputs from `j0` on, one at a time (the same sums). */
function forwardRest(d: Dense, inp: Float64Array, out: Float64Array, b: number, j0: number): void {
  const { th, off, fin, fout } = d;
  const x = b * fin;
  for (let j = j0; j < fout; j++) {
    const wj = off.w + j * fin;
    let s = th[off.b + j]!;
    for (let i = 0; i < fin; i++) s += th[wj + i]! * inp[x + i]!;
    out[b * fout + j] = s;
  }
}

/** denseForward's samples b and b + 1, 4 outputs at a time. */
function forwardPair(d: Dense, inp: Float64Array, out: Float64Array, b: number): void {
  const { th, off, fin, fout } = d;
  const f4 = fout - (fout % 4);
  const x0 = b * fin;
  const x1 = x0 + fin;
  const o0 = b * fout;
  const o1 = o0 + fout;
  for (let j = 0; j < f4; j += 4) {
    const w0 = off.w + j * fin, w1 = w0 + fin, w2 = w1 + fin, w3 = w2 + fin;
    let s00 = th[off.b + j]!, s01 = th[off.b + j + 1]!;
    let s02 = th[off.b + j + 2]!, s03 = th[off.b + j + 3]!;
    let s10 = s00, s11 = s01, s12 = s02, s13 = s03;
    for (let i = 0; i < fin; i++) {
      const a0 = inp[x0 + i]!;
      const a1 = inp[x1 + i]!;
      const v0 = th[w0 + i]!;
      const v1 = th[w1 + i]!;
      const v2 = th[w2 + i]!;
      const v3 = th[w3 + i]!;
      s00 += v0 * a0;
      s01 += v1 * a0;
      s02 += v2 * a0;
      s03 += v3 * a0;
      s10 += v0 * a1;
      s11 += v1 * a1;
      s12 += v2 * a1;
      s13 += v3 * a1;
    }
    out[o0 + j] = s00;
    out[o0 + j + 1] = s01;
    out[o0 + j + 2] = s02;
    out[o0 + j + 3] = s03;
    out[o1 + j] = s10;
    out[o1 + j + 1] = s11;
    out[o1 + j + 2] = s12;
    out[o1 + j + 3] = s13;
  }
  for (let j = f4; j < fout; j++) {
    const wj = off.w + j * fin;
    let s0 = th[off.b + j]!;
    let s1 = s0;
    for (let i = 0; i < fin; i++) {
      const v = th[wj + i]!;
      s0 += v * inp[x0 + i]!;
      s1 += v * inp[x1 + i]!;
    }
    out[o0 + j] = s0;
    out[o1 + j] = s1;
  }
}

/** denseForward's sample b (an odd batch's last; the same sums), 4 outputs at a time. */
function forwardOne(d: Dense, inp: Float64Array, out: Float64Array, b: number): void {
  const { th, off, fin, fout } = d;
  const f4 = fout - (fout % 4);
  const x = b * fin;
  const o = b * fout;
  for (let j = 0; j < f4; j += 4) {
    const w0 = off.w + j * fin, w1 = w0 + fin, w2 = w1 + fin, w3 = w2 + fin;
    let s0 = th[off.b + j]!, s1 = th[off.b + j + 1]!;
    let s2 = th[off.b + j + 2]!, s3 = th[off.b + j + 3]!;
    for (let i = 0; i < fin; i++) {
      const a = inp[x + i]!;
      s0 += th[w0 + i]! * a;
      s1 += th[w1 + i]! * a;
      s2 += th[w2 + i]! * a;
      s3 += th[w3 + i]! * a;
    }
    out[o + j] = s0;
    out[o + j + 1] = s1;
    out[o + j + 2] = s2;
    out[o + j + 3] = s3;
  }
  for (let j = f4; j < fout; j++) {
    const wj = off.w + j * fin;
    let s = th[off.b + j]!;
    for (let i = 0; i < fin; i++) s += th[wj + i]! * inp[x + i]!;
    out[o + j] = s;
  }
}

/** A dense layer and its direction V (the same offsets of `dir`) for the R-forward. */
interface DenseR extends Dense {
  dir: Float64Array;
}

/**
 * The forward and R-forward of one layer: z (n, fout) = inp W^T + bias as `denseForward`, and
 * r (n, fout) = V-bias + sum over i ascending of (v_i a_i + w_i ra_i), with V the direction's
 * weights at the same offsets of `dir` and ra (n, fin) the R-values of the inputs.
 */
export function denseForwardR(
  th: Float64Array,
  dir: Float64Array,
  off: { w: number; b: number },
  inp: { a: Float64Array; ra: Float64Array },
  shape: { n: number; fin: number; fout: number },
  out: { z: Float64Array; r: Float64Array },
): void {
  const d: DenseR = { th, dir, off, fin: shape.fin, fout: shape.fout };
  const n2 = shape.n - (shape.n % 2);
  for (let b = 0; b < n2; b += 2) forwardRPair(d, inp, out, b);
  for (let b = n2; b < shape.n; b++) forwardROne(d, inp, out, b);
}

/** denseForwardR's samples b and b + 1, 2 outputs at a time. */
function forwardRPair(
  d: DenseR,
  inp: { a: Float64Array; ra: Float64Array },
  out: { z: Float64Array; r: Float64Array },
  b: number,
): void {
  const { th, dir, off, fin, fout } = d;
  const { a, ra } = inp;
  const { z, r } = out;
  const f2 = fout - (fout % 2);
  const x0 = b * fin;
  const x1 = x0 + fin;
  const o0 = b * fout;
  const o1 = o0 + fout;
  for (let j = 0; j < f2; j += 2) {
    const w0 = off.w + j * fin, w1 = w0 + fin;
    let z00 = th[off.b + j]!, z01 = th[off.b + j + 1]!;
    let z10 = z00, z11 = z01;
    let r00 = dir[off.b + j]!, r01 = dir[off.b + j + 1]!;
    let r10 = r00, r11 = r01;
    for (let i = 0; i < fin; i++) {
      const a0 = a[x0 + i]!;
      const a1 = a[x1 + i]!;
      const q0 = ra[x0 + i]!;
      const q1 = ra[x1 + i]!;
      const t0 = th[w0 + i]!;
      const t1 = th[w1 + i]!;
      const v0 = dir[w0 + i]!;
      const v1 = dir[w1 + i]!;
      z00 += t0 * a0;
      z01 += t1 * a0;
      z10 += t0 * a1;
      z11 += t1 * a1;
      r00 += v0 * a0 + t0 * q0;
      r01 += v1 * a0 + t1 * q0;
      r10 += v0 * a1 + t0 * q1;
      r11 += v1 * a1 + t1 * q1;
    }
    z[o0 + j] = z00;
    z[o0 + j + 1] = z01;
    z[o1 + j] = z10;
    z[o1 + j + 1] = z11;
    r[o0 + j] = r00;
    r[o0 + j + 1] = r01;
    r[o1 + j] = r10;
    r[o1 + j + 1] = r11;
  }
  // An odd last output: forwardROne's sums for each of the two samples.
  for (let j = f2; j < fout; j++) {
    forwardROneAt(d, inp, out, b, j);
    forwardROneAt(d, inp, out, b + 1, j);
  }
}

/** denseForwardR's sample b. */
function forwardROne(
  d: DenseR,
  inp: { a: Float64Array; ra: Float64Array },
  out: { z: Float64Array; r: Float64Array },
  b: number,
): void {
  for (let j = 0; j < d.fout; j++) forwardROneAt(d, inp, out, b, j);
}

/** denseForwardR's output j of sample b. */
function forwardROneAt(
  d: DenseR,
  inp: { a: Float64Array; ra: Float64Array },
  out: { z: Float64Array; r: Float64Array },
  b: number,
  j: number,
): void {
  const { th, dir, off, fin, fout } = d;
  const { a, ra } = inp;
  const x = b * fin;
  const wj = off.w + j * fin;
  let zs = th[off.b + j]!;
  let rs = dir[off.b + j]!;
  for (let i = 0; i < fin; i++) {
    const t = th[wj + i]!;
    zs += t * a[x + i]!;
    rs += dir[wj + i]! * a[x + i]! + t * ra[x + i]!;
  }
  out.z[b * fout + j] = zs;
  out.r[b * fout + j] = rs;
}

/** The hidden-layer nonlinearity applied in place to a[0..len). */
export function activateRows(kind: "relu" | "tanh", a: Float64Array, len: number): void {
  if (kind === "relu") {
    for (let k = 0; k < len; k++) a[k] = Math.max(a[k]!, 0);
  } else {
    for (let k = 0; k < len; k++) a[k] = Math.tanh(a[k]!);
  }
}
