/**
 * The gradient sums of the fast MLP passes (_mlp_fast.ts): rows of outputs that add, for each of a
 * list of nonzero coefficients in order, the coefficient times a row of a source, several outputs
 * at a time held in registers (each sum still adds its terms in order, one at a time).
 * @module
 */
import { inArena, wasmRows } from "./_wasm_rows.ts";

/**
 * out[o + i] += sum over k (ascending) of d[k] src[offs[k] + i], i = 0..len-1, for the `count`
 * terms, eight outputs at a time held in registers over all the terms (each sum still adds its
 * terms in order, one at a time).
 */
export function accumulateRows(
  out: Float64Array,
  o: number,
  len: number,
  terms: { src: Float64Array; offs: Int32Array; d: Float64Array; count: number },
): void {
  const { src, offs, d, count } = terms;
  const len8 = len - (len % 8);
  const w = wasmRows();
  if (w && inArena(w, out) && inArena(w, src) && inArena(w, offs) && inArena(w, d)) {
    w.calls.rows++;
    // The SIMD kernel `rows` (_wasm_kernels.ts): the same sums, 16, then 8, outputs at a time.
    const at = out.byteOffset + 8 * o;
    w.rows(
      at,
      8 * (len - (len % 16)),
      8 * len8,
      8 * len,
      src.byteOffset,
      offs.byteOffset,
      d.byteOffset,
      count,
    );
    return;
  }
  for (let i = 0; i < len8; i += 8) {
    let s0 = out[o + i]!, s1 = out[o + i + 1]!, s2 = out[o + i + 2]!, s3 = out[o + i + 3]!;
    let s4 = out[o + i + 4]!, s5 = out[o + i + 5]!, s6 = out[o + i + 6]!, s7 = out[o + i + 7]!;
    for (let k = 0; k < count; k++) {
      const dk = d[k]!;
      const r = offs[k]! + i;
      s0 += dk * src[r]!;
      s1 += dk * src[r + 1]!;
      s2 += dk * src[r + 2]!;
      s3 += dk * src[r + 3]!;
      s4 += dk * src[r + 4]!;
      s5 += dk * src[r + 5]!;
      s6 += dk * src[r + 6]!;
      s7 += dk * src[r + 7]!;
    }
    out[o + i] = s0;
    out[o + i + 1] = s1;
    out[o + i + 2] = s2;
    out[o + i + 3] = s3;
    out[o + i + 4] = s4;
    out[o + i + 5] = s5;
    out[o + i + 6] = s6;
    out[o + i + 7] = s7;
  }
  for (let i = len8; i < len; i++) {
    let s = out[o + i]!;
    for (let k = 0; k < count; k++) s += d[k]! * src[offs[k]! + i]!;
    out[o + i] = s;
  }
}

/**
 * out[o + i] += sum over k (ascending) of (c[k] x[offs[k] + i] + e[k] y[offs[k] + i]), two
 * coefficient sets against two sources at the same offsets (the R-backward's sums), four outputs
 * at a time.
 */
export function accumulateRows2(
  out: Float64Array,
  o: number,
  len: number,
  terms: {
    x: Float64Array;
    y: Float64Array;
    offs: Int32Array;
    c: Float64Array;
    e: Float64Array;
    count: number;
  },
): void {
  const { x, y, offs, c, e, count } = terms;
  const len4 = len - (len % 4);
  const w = wasmRows();
  if (
    w && inArena(w, out) && inArena(w, x) && inArena(w, y) && inArena(w, offs) && inArena(w, c) &&
    inArena(w, e)
  ) {
    w.calls.rows2++;
    // The SIMD kernel `rows2` (_wasm_rows2.ts): the same sums, 8 outputs at a time, then one.
    const len8 = len - (len % 8);
    const args = [x.byteOffset, y.byteOffset, offs.byteOffset, c.byteOffset, e.byteOffset, count];
    w.rows2(out.byteOffset + 8 * o, 8 * len8, 8 * len, ...args);
    return;
  }
  for (let i = 0; i < len4; i += 4) {
    let s0 = out[o + i]!, s1 = out[o + i + 1]!, s2 = out[o + i + 2]!, s3 = out[o + i + 3]!;
    for (let k = 0; k < count; k++) {
      const ck = c[k]!;
      const ek = e[k]!;
      const r = offs[k]! + i;
      s0 += ck * x[r]! + ek * y[r]!;
      s1 += ck * x[r + 1]! + ek * y[r + 1]!;
      s2 += ck * x[r + 2]! + ek * y[r + 2]!;
      s3 += ck * x[r + 3]! + ek * y[r + 3]!;
    }
    out[o + i] = s0;
    out[o + i + 1] = s1;
    out[o + i + 2] = s2;
    out[o + i + 3] = s3;
  }
  for (let i = len4; i < len; i++) {
    let s = out[o + i]!;
    for (let k = 0; k < count; k++) s += c[k]! * x[offs[k]! + i]! + e[k]! * y[offs[k]! + i]!;
    out[o + i] = s;
  }
}
