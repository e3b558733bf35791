/**
 * The MLP passes of the fast ProtoNet twin (protonet_cpu.ts `protonetGradCpu`), layer-major over
 * all samples of an episode: activations as contiguous (n, width) rows per layer, the forward pass
 * only up to the embedding layer (the output layer is unused), and the backward pass as
 * dW += delta^T A, dA = delta W over the nonzero entries of delta only (ReLU zeroes about half).
 * Every sum adds its terms in the order of the readable twin (`forwardCpu` and `backprop` in
 * protonet_cpu.ts), one at a time, so the results are the same numbers; the blocking (2 samples x
 * 4 outputs in the forward dot products, 8 outputs of a row in the backward sums) only keeps
 * several independent sums in flight in registers.
 * @module
 */
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import type { MlpData } from "../mlp/mlp_cpu.ts";
import { accumulateRows } from "../mlp/_row_sums.ts";

/** Scratch buffers of the layer-major passes, grown on demand and reused across episodes. */
export interface LayerMajorScratch {
  /** Inputs (n, inputs), f64. */
  x: Float64Array;
  /** Per layer up to the embedding layer: its outputs (n, width) (pre-activation at a linear embedding). */
  acts: Float64Array[];
  /** Deltas (n, width) of the layer being back-propagated. */
  delta: Float64Array;
  /** d(loss)/d(layer input) (n, width). */
  dIn: Float64Array;
  /** The nonzero deltas of one row or column. */
  coef: Float64Array;
  /** Where the rows they multiply start. */
  offs: Int32Array;
}

/** Views of rows 0..rows-1 (width `width`) of `a`. */
function rowViews(a: Float64Array, rows: number, width: number): Float64Array[] {
  return Array.from({ length: rows }, (_, r) => a.subarray(r * width, (r + 1) * width));
}

/** An empty scratch. */
export function layerMajorScratch(): LayerMajorScratch {
  const none = new Float64Array(0);
  return { x: none, acts: [], delta: none, dIn: none, coef: none, offs: new Int32Array(0) };
}

function grown(a: Float64Array, n: number): Float64Array {
  return a.length >= n ? a : new Float64Array(Math.max(n, 2 * a.length));
}

/** Samples `idx` of `data` as contiguous f64 rows (n, inputs) in `ws.x`. */
export function gatherInputs(ws: LayerMajorScratch, data: MlpData, idx: ArrayLike<number>): void {
  const fin = data.inputs;
  const n = idx.length;
  ws.x = grown(ws.x, n * fin);
  const x = ws.x;
  const src = data.x;
  for (let b = 0; b < n; b++) {
    const from = idx[b]! * fin;
    const to = b * fin;
    for (let i = 0; i < fin; i++) x[to + i] = src[from + i]!;
  }
}

/**
 * out (n, fout) = act(inp (n, fin) W^T + bias) with W the (fout, fin) row-major weights at `off.w`
 * of `th` and the bias at `off.b`; each sum starts at the bias and adds w_i a_i for i ascending.
 */
function denseForward(
  th: Float64Array,
  off: { w: number; b: number },
  inp: Float64Array,
  shape: { n: number; fin: number; fout: number },
  act: { out: Float64Array; kind: "none" | "relu" | "tanh" },
): void {
  const { n, fin, fout } = shape;
  const { out, kind } = act;
  const bias = th.subarray(off.b, off.b + fout);
  const w = rowViews(th.subarray(off.w), fout, fin);
  const n2 = n - (n % 2);
  const f4 = fout - (fout % 4);
  for (let b = 0; b < n2; b += 2) {
    const x0 = inp.subarray(b * fin, (b + 1) * fin);
    const x1 = inp.subarray((b + 1) * fin, (b + 2) * fin);
    const o0 = b * fout;
    const o1 = o0 + fout;
    for (let j = 0; j < f4; j += 4) {
      const w0 = w[j]!, w1 = w[j + 1]!, w2 = w[j + 2]!, w3 = w[j + 3]!;
      let s00 = bias[j]!, s01 = bias[j + 1]!, s02 = bias[j + 2]!, s03 = bias[j + 3]!;
      let s10 = s00, s11 = s01, s12 = s02, s13 = s03;
      for (let i = 0; i < fin; i++) {
        const a0 = x0[i]!;
        const a1 = x1[i]!;
        const v0 = w0[i]!;
        const v1 = w1[i]!;
        const v2 = w2[i]!;
        const v3 = w3[i]!;
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
      const wj = w[j]!;
      let s0 = bias[j]!;
      let s1 = s0;
      for (let i = 0; i < fin; i++) {
        const v = wj[i]!;
        s0 += v * x0[i]!;
        s1 += v * x1[i]!;
      }
      out[o0 + j] = s0;
      out[o1 + j] = s1;
    }
  }
  for (let b = n2; b < n; b++) {
    const x = inp.subarray(b * fin, (b + 1) * fin);
    for (let j = 0; j < fout; j++) {
      const wj = w[j]!;
      let s = bias[j]!;
      for (let i = 0; i < fin; i++) s += wj[i]! * x[i]!;
      out[b * fout + j] = s;
    }
  }
  const len = n * fout;
  if (kind === "relu") {
    for (let k = 0; k < len; k++) out[k] = Math.max(out[k]!, 0);
  } else if (kind === "tanh") {
    for (let k = 0; k < len; k++) out[k] = Math.tanh(out[k]!);
  }
}

/**
 * Whether layer l's output goes through the nonlinearity in the embedding network: hidden layers
 * below the embedding layer E always, E itself unless the embedding is `linear` or E is the output
 * layer (no hidden layer).
 */
function activated(layout: MlpLayout, l: number, E: number, linear: boolean): boolean {
  return l < layout.layers - 1 && !(linear && l === E);
}

/**
 * The forward pass of the n samples in `ws.x` through layers 0..E of `th` (f64 copy of one
 * parameter row); returns the embeddings (n, widths[E+1]), `ws.acts[E]`.
 */
export function forwardToEmbedding(
  layout: MlpLayout,
  th: Float64Array,
  ws: LayerMajorScratch,
  o: { n: number; E: number; linear: boolean },
): Float64Array {
  const { n, E, linear } = o;
  let inp = ws.x;
  for (let l = 0; l <= E; l++) {
    const fin = layout.widths[l]!;
    const fout = layout.widths[l + 1]!;
    ws.acts[l] = grown(ws.acts[l] ?? new Float64Array(0), n * fout);
    const out = ws.acts[l]!;
    const kind = activated(layout, l, E, linear) ? layout.activation : "none";
    const off = { w: layout.weightOffset[l]!, b: layout.biasOffset[l]! };
    denseForward(th, off, inp, { n, fin, fout }, { out, kind });
    inp = out;
  }
  return ws.acts[E]!;
}

/**
 * Adds to `grad` the parameter gradient of d(loss)/d(embedding) `dz` (n, widths[E+1]) through
 * layers E..0, after `forwardToEmbedding` filled `ws` (the twin's `backprop`, same sums).
 */
export function backpropFromEmbedding(
  layout: MlpLayout,
  th: Float64Array,
  ws: LayerMajorScratch,
  o: { n: number; E: number; linear: boolean; dz: Float64Array },
  grad: Float64Array,
): void {
  const { n, E, linear } = o;
  const relu = layout.activation === "relu";
  let dA = o.dz;
  for (let l = E; l >= 0; l--) {
    const fin = layout.widths[l]!;
    const fout = layout.widths[l + 1]!;
    const acts = ws.acts[l]!;
    const inp = l === 0 ? ws.x : ws.acts[l - 1]!;
    const len = n * fout;
    ws.delta = grown(ws.delta, len);
    const delta = ws.delta;
    if (!activated(layout, l, E, linear)) {
      for (let k = 0; k < len; k++) delta[k] = dA[k]!;
    } else if (relu) {
      for (let k = 0; k < len; k++) delta[k] = dA[k]! * (acts[k]! > 0 ? 1 : 0);
    } else {
      for (let k = 0; k < len; k++) {
        const a = acts[k]!;
        delta[k] = dA[k]! * (1 - a * a);
      }
    }
    const m = Math.max(n, fout);
    if (ws.coef.length < m) ws.coef = new Float64Array(m);
    const d = ws.coef;
    const wOff = layout.weightOffset[l]!;
    const bOff = layout.biasOffset[l]!;
    if (ws.offs.length < m) ws.offs = new Int32Array(m);
    const offs = ws.offs;
    // dW += delta^T inp, row j of dW from the samples whose delta_j is nonzero (the twin's terms:
    // a zero one would not change a sum), in ascending order.
    for (let j = 0; j < fout; j++) {
      let count = 0;
      let bias = grad[bOff + j]!;
      for (let b = 0; b < n; b++) {
        const v = delta[b * fout + j]!;
        if (v === 0) continue;
        bias += v;
        d[count] = v;
        offs[count++] = b * fin;
      }
      grad[bOff + j] = bias;
      accumulateRows(grad, wOff + j * fin, fin, { src: inp, offs, d, count });
    }
    if (l === 0) break;
    // dA (the previous dIn) is spent: delta holds all this layer needs from it.
    ws.dIn = grown(ws.dIn, n * fin);
    const dIn = ws.dIn;
    // dIn = delta W, row b from the outputs whose delta is nonzero, in ascending order.
    for (let b = 0; b < n; b++) {
      let count = 0;
      for (let j = 0; j < fout; j++) {
        const v = delta[b * fout + j]!;
        if (v === 0) continue;
        d[count] = v;
        offs[count++] = wOff + j * fin;
      }
      dIn.fill(0, b * fin, (b + 1) * fin);
      accumulateRows(dIn, b * fin, fin, { src: th, offs, d, count });
    }
    dA = dIn;
  }
}
