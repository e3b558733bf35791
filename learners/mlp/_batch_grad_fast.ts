/**
 * The layer-major phases of `batchGradCpu` (mlp_cpu.ts, the fast gradient of `trainStepCpu`): the
 * forward pass of a batch, and the backward pass from its output deltas with the weight and input
 * gradient sums over the nonzero deltas only (_mlp_fast.ts says why that gives the same numbers);
 * those sums (`weightGrads`, `inputSums`) also serve the fast ProtoNet twin (_protonet_mlp.ts).
 * @module
 */
import type { MlpLayout } from "./mlp_layout.ts";
import {
  activateRows,
  allFinite,
  coefFor,
  denseForward,
  type FastScratch,
  scratch,
} from "./_mlp_fast.ts";
import { accumulateRows } from "./_row_sums.ts";
import { inArena, wasmRows } from "./_wasm_rows.ts";

/**
 * Forward pass of the n samples `x` (n, inputs; n the batch size unless given) through the f64
 * parameter row `th`: per layer its outputs (n, width), hidden layers after the nonlinearity. Null when a layer's output before the
 * nonlinearity is not all finite (with finite inputs, the only way to have a non-finite weight or
 * bias), the case the readable twin must take.
 */
export function fastForward(
  layout: MlpLayout,
  th: Float64Array,
  x: Float64Array,
  ws: FastScratch,
  n = layout.batchSize,
): Float64Array[] | null {
  const { widths, layers, weightOffset, biasOffset } = layout;
  const acts: Float64Array[] = [];
  let inp = x;
  for (let l = 0; l < layers; l++) {
    const fin = widths[l]!;
    const fout = widths[l + 1]!;
    const out = scratch(ws, `a${l}`, n * fout);
    denseForward(th, { w: weightOffset[l]!, b: biasOffset[l]! }, inp, { n, fin, fout }, out);
    if (!allFinite(out, 0, n * fout)) return null;
    if (l < layers - 1) activateRows(layout.activation, out, n * fout);
    acts.push(out);
    inp = out;
  }
  return acts;
}

/**
 * Backward pass (the readable `backwardCpu`'s sums): from the output deltas `delta` (n, outputs),
 * fills `grads` (paramCount, zeroed first) with each entry's sample terms added in ascending order.
 */
export function fastBackward(
  layout: MlpLayout,
  m: { th: Float64Array; x: Float64Array; acts: Float64Array[]; delta: Float64Array },
  grads: Float64Array,
  ws: FastScratch,
): void {
  const { widths, layers, weightOffset, biasOffset } = layout;
  const B = layout.batchSize;
  let maxW = B;
  for (const w of widths) maxW = Math.max(maxW, w);
  coefFor(ws, maxW);
  grads.fill(0);
  let delta = m.delta;
  for (let l = layers - 1; l >= 0; l--) {
    const fin = widths[l]!;
    const fout = widths[l + 1]!;
    const a = l === 0 ? m.x : m.acts[l - 1]!;
    const off = { w: weightOffset[l]!, b: biasOffset[l]! };
    weightGrads(grads, off, { a, delta }, { n: B, fin, fout }, ws);
    if (l === 0) break;
    const below = scratch(ws, delta === ws.bufs.get("delta") ? "delta2" : "delta", B * fin);
    inputDeltas(layout, { th: m.th, wOff: off.w, a, delta }, { n: B, fin, fout }, below, ws);
    delta = below;
  }
}

/**
 * dW += delta^T a and dbias += delta over the n samples, with delta (n, fout), a (n, fin) and the
 * weights and biases at `off` of `grads`: each bias adds every sample's delta in order, each weight
 * row only the samples whose delta is nonzero (`coefFor(ws, n)` first).
 */
export function weightGrads(
  grads: Float64Array,
  off: { w: number; b: number },
  t: { a: Float64Array; delta: Float64Array },
  shape: { n: number; fin: number; fout: number },
  ws: FastScratch,
): void {
  const { n, fin, fout } = shape;
  const { coef, offs } = ws;
  const w = wasmRows();
  if (w && inArena(w, grads) && inArena(w, t.a) && inArena(w, t.delta) && inArena(w, coef)) {
    w.calls.weights++;
    const at = grads.byteOffset;
    const args = [
      t.a.byteOffset,
      t.delta.byteOffset,
      n,
      fin,
      fout,
      coef.byteOffset,
      offs.byteOffset,
    ];
    w.wgrad(at + 8 * off.w, at + 8 * off.b, ...args);
    return;
  }
  for (let j = 0; j < fout; j++) {
    let count = 0;
    let bias = grads[off.b + j]!;
    for (let b = 0; b < n; b++) {
      const v = t.delta[b * fout + j]!;
      bias += v;
      if (v === 0) continue;
      coef[count] = v;
      offs[count++] = b * fin;
    }
    grads[off.b + j] = bias;
    accumulateRows(grads, off.w + j * fin, fin, { src: t.a, offs, d: coef, count });
  }
}

/**
 * below (n, fin) = delta (n, fout) W with W the (fout, fin) weights at `wOff` of `th`: row b adds
 * the outputs whose delta is nonzero in ascending order, from zero (`coefFor(ws, fout)` first).
 */
export function inputSums(
  t: { th: Float64Array; wOff: number; delta: Float64Array },
  shape: { n: number; fin: number; fout: number },
  below: Float64Array,
  ws: FastScratch,
): void {
  const { n, fin, fout } = shape;
  const { coef, offs } = ws;
  const w = wasmRows();
  if (w && inArena(w, below) && inArena(w, t.th) && inArena(w, t.delta) && inArena(w, coef)) {
    w.calls.inputs++;
    const d = t.delta.byteOffset;
    w.isums(
      below.byteOffset,
      t.th.byteOffset,
      t.wOff,
      d,
      n,
      fin,
      fout,
      coef.byteOffset,
      offs.byteOffset,
    );
    return;
  }
  for (let b = 0; b < n; b++) {
    const row = b * fout;
    let count = 0;
    for (let j = 0; j < fout; j++) {
      const v = t.delta[row + j]!;
      if (v === 0) continue;
      coef[count] = v;
      offs[count++] = t.wOff + j * fin;
    }
    below.fill(0, b * fin, (b + 1) * fin);
    accumulateRows(below, b * fin, fin, { src: t.th, offs, d: coef, count });
  }
}

/** The layer below's deltas: (delta W) times the activation's derivative at its outputs `a`. */
function inputDeltas(
  layout: MlpLayout,
  t: { th: Float64Array; wOff: number; a: Float64Array; delta: Float64Array },
  shape: { n: number; fin: number; fout: number },
  below: Float64Array,
  ws: FastScratch,
): void {
  inputSums(t, shape, below, ws);
  const len = shape.n * shape.fin;
  const a = t.a;
  if (layout.activation === "relu") {
    for (let k = 0; k < len; k++) below[k] = below[k]! * (a[k]! > 0 ? 1 : 0);
  } else {
    for (let k = 0; k < len; k++) below[k] = below[k]! * (1 - a[k]! * a[k]!);
  }
}
