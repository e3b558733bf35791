/**
 * The fast path of `hvpStepCpu` (maml_cpu.ts): H v of one model's mean batch loss, the numbers of
 * `lossGradHvpCpu(...).hv`, by layer-major passes over the batch (learners/mlp/_mlp_fast.ts):
 * forward and R-forward blocked over samples and outputs, the H v and input sums over the
 * (sample, unit) pairs whose delta or R-delta is nonzero, and no gradient. Each sum adds the
 * readable twin's terms in its order; a term left out is an exact zero added to a sum that is never
 * -0, which needs the values it multiplies to be finite (checked: otherwise the readable twin runs).
 * @module
 */
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import {
  activateRows,
  allFinite,
  coefFor,
  denseForward,
  denseForwardR,
  type FastScratch,
  gatherInputs,
  scratch,
} from "../mlp/_mlp_fast.ts";
import { accumulateRows, accumulateRows2 } from "../mlp/_row_sums.ts";
import type { MamlBatch } from "./maml_cpu.ts";

/** A batch's forward values: a[l], rz[l] (n, widths[l + 1]) and ra[l] (n, widths[l]). */
interface ForwardR {
  /** Samples, and their inputs (n, widths[0]). */
  n: number;
  x: Float64Array;
  /** Layer outputs, hidden ones after the nonlinearity. */
  a: Float64Array[];
  /** R{z} of the layer outputs. */
  rz: Float64Array[];
  /** R-values of layer l's inputs: act'(a) R{z} of the layer below, zeros at the inputs. */
  ra: Float64Array[];
}

/**
 * H v of the mean loss of the model with the f64 rows `theta` and `v` on `batch` (a scratch buffer
 * of `ws`), or null when the inputs or the forward values (so also the parameters and the
 * direction) are not all finite, where the caller runs the readable twin.
 */
export function hvpFast(
  L: MlpLayout,
  ws: FastScratch,
  batch: MamlBatch,
  m: { theta: Float64Array; v: Float64Array },
): Float64Array | null {
  const { data, idx } = batch;
  if (data.inputs !== L.widths[0]) return null;
  const x = gatherInputs(ws, data, idx);
  if (!allFinite(x, 0, idx.length * L.widths[0]!)) return null;
  const f = forwardR(L, ws, m, x, idx.length);
  if (!f) return null;
  const k = L.outputs;
  const d = scratch(ws, "d", idx.length * k);
  const rd = scratch(ws, "rd", idx.length * k);
  outputDeltasR(L, batch, { out: f.a[L.layers - 1]!, rOut: f.rz[L.layers - 1]! }, { d, rd });
  return backwardR(L, ws, { ...m, ...f }, { d, rd });
}

/** Forward and R-forward of the n samples `x`; null where a layer's values are not all finite. */
function forwardR(
  L: MlpLayout,
  ws: FastScratch,
  m: { theta: Float64Array; v: Float64Array },
  x: Float64Array,
  n: number,
): ForwardR | null {
  const { widths, layers, weightOffset, biasOffset } = L;
  const { theta: th, v: dir } = m;
  const relu = L.activation === "relu";
  const f: ForwardR = { n, x, a: [], rz: [], ra: [] };
  let inp = x;
  let rin = scratch(ws, "ra0", n * widths[0]!).fill(0, 0, n * widths[0]!);
  for (let l = 0; l < layers; l++) {
    const fin = widths[l]!;
    const fout = widths[l + 1]!;
    const z = scratch(ws, `a${l}`, n * fout);
    const r = scratch(ws, `rz${l}`, n * fout);
    const off = { w: weightOffset[l]!, b: biasOffset[l]! };
    if (l === 0 && !negativeZero(dir, off.b, fout)) {
      // The inputs' R-values are zeros: w * 0 is +-0 (w finite, checked below), which leaves the
      // sum unchanged as the sum never is -0 (its start, the direction's bias, is not).
      denseForward(th, off, inp, { n, fin, fout }, z);
      denseForward(dir, off, inp, { n, fin, fout }, r);
    } else denseForwardR(th, dir, off, { a: inp, ra: rin }, { n, fin, fout }, { z, r });
    // Finite outputs (before ReLU can hide an infinity) mean finite weights, biases, direction.
    if (!allFinite(z, 0, n * fout) || !allFinite(r, 0, n * fout)) return null;
    if (l < layers - 1) activateRows(L.activation, z, n * fout);
    f.a.push(z);
    f.rz.push(r);
    f.ra.push(rin);
    if (l === layers - 1) break;
    rin = scratch(ws, `ra${l + 1}`, n * fout);
    for (let q = 0; q < n * fout; q++) {
      const av = z[q]!;
      rin[q] = (relu ? (av > 0 ? 1 : 0) : 1 - av * av) * r[q]!;
    }
    inp = z;
  }
  return f;
}

/** Output deltas d = dl/do and R{d} of every sample, times 1/n, as the readable outputDeltaR. */
function outputDeltasR(
  L: MlpLayout,
  batch: MamlBatch,
  o: { out: Float64Array; rOut: Float64Array },
  dd: { d: Float64Array; rd: Float64Array },
): void {
  const { data, idx, labelMap } = batch;
  const { out, rOut } = o;
  const { d, rd } = dd;
  const k = L.outputs;
  const scale = 1 / idx.length;
  for (let b = 0; b < idx.length; b++) {
    const ob = b * k;
    const row = idx[b]! * data.targetWidth;
    if (L.loss === "mse") {
      for (let j = 0; j < k; j++) {
        const diff = out[ob + j]! - data.y[row + j]!;
        d[ob + j] = (2 * diff / k) * scale;
        rd[ob + j] = (2 * rOut[ob + j]! / k) * scale;
      }
      continue;
    }
    const raw = Math.trunc(data.y[row]!);
    const label = Math.min(labelMap ? labelMap[raw]! : raw, k - 1);
    let mx = -Infinity;
    for (let j = 0; j < k; j++) mx = Math.max(mx, out[ob + j]!);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(out[ob + j]! - mx);
    let sr = 0;
    for (let j = 0; j < k; j++) sr += (Math.exp(out[ob + j]! - mx) / sum) * rOut[ob + j]!;
    for (let j = 0; j < k; j++) {
      const sj = Math.exp(out[ob + j]! - mx) / sum;
      d[ob + j] = (sj - (j === label ? 1 : 0)) * scale;
      rd[ob + j] = (sj * rOut[ob + j]! - sj * sr) * scale;
    }
  }
}

/** Backward and R-backward: H v, each entry adding its samples' terms in ascending order. */
function backwardR(
  L: MlpLayout,
  ws: FastScratch,
  f: ForwardR & { theta: Float64Array; v: Float64Array },
  out: { d: Float64Array; rd: Float64Array },
): Float64Array {
  const { widths, layers, weightOffset, biasOffset, paramCount } = L;
  const n = f.n;
  const hv = scratch(ws, "hv", paramCount).fill(0, 0, paramCount);
  let maxW = n;
  for (const w of widths) maxW = Math.max(maxW, w);
  coefFor(ws, maxW);
  let { d, rd } = out;
  for (let l = layers - 1; l >= 0; l--) {
    const fin = widths[l]!;
    const fout = widths[l + 1]!;
    const shape = { n, fin, fout };
    const ain = l === 0 ? f.x : f.a[l - 1]!;
    const off = { w: weightOffset[l]!, b: biasOffset[l]! };
    hvRows(hv, off, { ain, rain: f.ra[l]!, d, rd, inputs: l === 0 }, shape, ws);
    if (l === 0) break;
    const dIn = scratch(ws, d === ws.bufs.get("d") ? "d2" : "d", n * fin);
    const rdIn = scratch(ws, rd === ws.bufs.get("rd") ? "rd2" : "rd", n * fin);
    const t = { th: f.theta, dir: f.v, wOff: off.w, d, rd, ain, rzIn: f.rz[l - 1]! };
    inputDeltasR(L, t, shape, { dIn, rdIn }, ws);
    d = dIn;
    rd = rdIn;
  }
  return hv;
}

/** One layer's H v: bias += rd, weights += rd a + d ra over the samples with d or rd nonzero. */
function hvRows(
  hv: Float64Array,
  off: { w: number; b: number },
  t: { ain: Float64Array; rain: Float64Array; d: Float64Array; rd: Float64Array; inputs: boolean },
  shape: { n: number; fin: number; fout: number },
  ws: FastScratch,
): void {
  const { n, fin, fout } = shape;
  const { coef, coef2, offs } = ws;
  // At the inputs ra is 0: d * 0 is +-0 when d is finite, which does not change the sum.
  const dropRa = t.inputs && allFinite(t.d, 0, n * fout);
  for (let j = 0; j < fout; j++) {
    let count = 0;
    let bias = hv[off.b + j]!;
    for (let b = 0; b < n; b++) {
      const dj = t.d[b * fout + j]!;
      const rdj = t.rd[b * fout + j]!;
      bias += rdj;
      if (dj === 0 && rdj === 0) continue;
      coef[count] = rdj;
      coef2[count] = dj;
      offs[count++] = b * fin;
    }
    hv[off.b + j] = bias;
    const o = off.w + j * fin;
    if (dropRa) accumulateRows(hv, o, fin, { src: t.ain, offs, d: coef, count });
    else accumulateRows2(hv, o, fin, { x: t.ain, y: t.rain, offs, c: coef, e: coef2, count });
  }
}

/**
 * The layer below's d and R{d}: sum = W^T d, rsum = V^T d + W^T rd over the nonzero (d, rd),
 * then d' = g1 sum and rd' = g2 rz' sum + g1 rsum with the activation's derivatives at a'.
 */
function inputDeltasR(
  L: MlpLayout,
  t: {
    th: Float64Array;
    dir: Float64Array;
    wOff: number;
    d: Float64Array;
    rd: Float64Array;
    ain: Float64Array;
    rzIn: Float64Array;
  },
  shape: { n: number; fin: number; fout: number },
  out: { dIn: Float64Array; rdIn: Float64Array },
  ws: FastScratch,
): void {
  const { n, fin, fout } = shape;
  const { dIn, rdIn } = out;
  const { coef, coef2, offs } = ws;
  const relu = L.activation === "relu";
  for (let b = 0; b < n; b++) {
    let count = 0;
    for (let j = 0; j < fout; j++) {
      const dj = t.d[b * fout + j]!;
      const rdj = t.rd[b * fout + j]!;
      if (dj === 0 && rdj === 0) continue;
      coef[count] = dj;
      coef2[count] = rdj;
      offs[count++] = t.wOff + j * fin;
    }
    const o = b * fin;
    dIn.fill(0, o, o + fin);
    rdIn.fill(0, o, o + fin);
    accumulateRows(dIn, o, fin, { src: t.th, offs, d: coef, count });
    accumulateRows2(rdIn, o, fin, { x: t.dir, y: t.th, offs, c: coef, e: coef2, count });
    for (let i = 0; i < fin; i++) {
      const av = t.ain[o + i]!;
      const sum = dIn[o + i]!;
      const rsum = rdIn[o + i]!;
      const g1 = relu ? (av > 0 ? 1 : 0) : 1 - av * av;
      const g2 = relu ? 0 : -2 * av * g1;
      dIn[o + i] = g1 * sum;
      rdIn[o + i] = g2 * t.rzIn[o + i]! * sum + g1 * rsum;
    }
  }
}

/** Whether one of a[from..from+n) is -0. */
function negativeZero(a: Float64Array, from: number, n: number): boolean {
  for (let k = from; k < from + n; k++) if (Object.is(a[k], -0)) return true;
  return false;
}
