/**
 * Second-order MAML on the CPU, in f64 (the specification of the GPU kernel
 * `shaders/meta_hvp.wgsl` and of the MAML meta loop): loss, gradient and Hessian-vector product of
 * one model's mean batch loss by Pearlmutter's R-operator ("Fast Exact Multiplication by the
 * Hessian", 1994) through the MLP, and the MAML meta-gradient (Finn, Abbeel and Levine 2017)
 * through K inner SGD steps: with theta_{k+1} = theta_k - lr grad L_s(theta_k),
 * dL_q(theta_K)/dtheta_0 = prod_k (I - lr H_s(theta_k)) grad L_q(theta_K), applied from k = K-1
 * down to 0; `firstOrder` drops the Hessian terms (first-order MAML). Label smoothing is not
 * modelled (the meta loop's inner SGD has none).
 * @module
 */
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { type MlpData, modelAfter, type ModelRange } from "../mlp/mlp_state.ts";
import { f64Row, type FastScratch, fastScratch, threadScratch } from "../mlp/_mlp_fast.ts";
import { hvpFast } from "./_maml_hvp_fast.ts";

/** One model's batch: sample rows `idx` of `data`, and its label map row (null: labels as stored). */
export interface MamlBatch {
  /** The samples. */
  data: MlpData;
  /** Sample indices of the batch. */
  idx: ArrayLike<number>;
  /** Stored class -> model-local label, or null. */
  labelMap: ArrayLike<number> | null;
}

/** Loss, gradient and (with a direction) Hessian-vector product of a mean batch loss. */
export interface LossGradHvp {
  /** Mean batch loss. */
  loss: number;
  /** Gradient (paramCount). */
  grad: Float64Array;
  /** H v (paramCount); zeros without a direction. */
  hv: Float64Array;
}

/** Activation derivative through its output a, and the second derivative. */
function act(layout: MlpLayout, a: number): [number, number] {
  if (layout.activation === "relu") return [a > 0 ? 1 : 0, 0];
  const d = 1 - a * a;
  return [d, -2 * a * d];
}

/** Forward and R-forward of one sample: a (post-activation; output raw) and rz = R{z} per unit. */
function forwardR(
  L: MlpLayout,
  th: ArrayLike<number>,
  v: ArrayLike<number>,
  x: (i: number) => number,
  a: Float64Array,
  rz: Float64Array,
): void {
  for (let l = 0; l < L.layers; l++) {
    const [fin, fout] = [L.widths[l]!, L.widths[l + 1]!];
    const last = l === L.layers - 1;
    for (let j = 0; j < fout; j++) {
      let z = th[L.biasOffset[l]! + j]!;
      let r = v[L.biasOffset[l]! + j]!;
      const w = L.weightOffset[l]! + j * fin;
      for (let i = 0; i < fin; i++) {
        const ain = l === 0 ? x(i) : a[L.actOffset[l - 1]! + i]!;
        const rin = l === 0 ? 0 : act(L, ain)[0] * rz[L.actOffset[l - 1]! + i]!;
        z += th[w + i]! * ain;
        r += v[w + i]! * ain + th[w + i]! * rin;
      }
      const o = L.actOffset[l]! + j;
      a[o] = last ? z : (L.activation === "relu" ? Math.max(z, 0) : Math.tanh(z));
      rz[o] = r;
    }
  }
}

/** Loss of one sample, its output deltas d = dl/do and R{d} = (d2l/do2) R{o}, both times scale. */
function outputDeltaR(
  L: MlpLayout,
  a: Float64Array,
  rz: Float64Array,
  target: { label: number; t: (j: number) => number },
  d: Float64Array,
  rd: Float64Array,
  scale: number,
): number {
  const k = L.outputs;
  const off = L.actOffset[L.layers - 1]!;
  if (L.loss === "mse") {
    let loss = 0;
    for (let j = 0; j < k; j++) {
      const diff = a[off + j]! - target.t(j);
      loss += diff * diff;
      d[off + j] = (2 * diff / k) * scale;
      rd[off + j] = (2 * rz[off + j]! / k) * scale;
    }
    return loss / k;
  }
  let m = -Infinity;
  for (let j = 0; j < k; j++) m = Math.max(m, a[off + j]!);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(a[off + j]! - m);
  let sr = 0;
  for (let j = 0; j < k; j++) sr += (Math.exp(a[off + j]! - m) / sum) * rz[off + j]!;
  for (let j = 0; j < k; j++) {
    const s = Math.exp(a[off + j]! - m) / sum;
    d[off + j] = (s - (j === target.label ? 1 : 0)) * scale;
    rd[off + j] = (s * rz[off + j]! - s * sr) * scale;
  }
  return Math.log(sum) + m - a[off + target.label]!;
}

/** Backward and R-backward of one sample: adds its gradient and H v terms. */
function backwardR(
  L: MlpLayout,
  th: ArrayLike<number>,
  v: ArrayLike<number>,
  x: (i: number) => number,
  s: { a: Float64Array; rz: Float64Array; d: Float64Array; rd: Float64Array },
  out: { grad: Float64Array; hv: Float64Array },
): void {
  const { a, rz, d, rd } = s;
  for (let l = L.layers - 1; l >= 0; l--) {
    const [fin, fout] = [L.widths[l]!, L.widths[l + 1]!];
    const inOff = l === 0 ? 0 : L.actOffset[l - 1]!;
    for (let j = 0; j < fout; j++) {
      const dj = d[L.actOffset[l]! + j]!;
      const rdj = rd[L.actOffset[l]! + j]!;
      out.grad[L.biasOffset[l]! + j]! += dj;
      out.hv[L.biasOffset[l]! + j]! += rdj;
      const w = L.weightOffset[l]! + j * fin;
      for (let i = 0; i < fin; i++) {
        const ain = l === 0 ? x(i) : a[inOff + i]!;
        const rain = l === 0 ? 0 : act(L, ain)[0] * rz[inOff + i]!;
        out.grad[w + i]! += dj * ain;
        out.hv[w + i]! += rdj * ain + dj * rain;
      }
    }
    if (l === 0) break;
    for (let i = 0; i < fin; i++) {
      let sum = 0;
      let rsum = 0;
      for (let j = 0; j < fout; j++) {
        const wi = L.weightOffset[l]! + j * fin + i;
        sum += th[wi]! * d[L.actOffset[l]! + j]!;
        rsum += v[wi]! * d[L.actOffset[l]! + j]! + th[wi]! * rd[L.actOffset[l]! + j]!;
      }
      const [g1, g2] = act(L, a[inOff + i]!);
      d[inOff + i] = g1 * sum;
      rd[inOff + i] = g2 * rz[inOff + i]! * sum + g1 * rsum;
    }
  }
}

/**
 * Mean batch loss of the model with parameters `theta` (paramCount entries) on `batch`, its
 * gradient, and H v for the direction `v` (zeros when v is null).
 */
export function lossGradHvpCpu(
  L: MlpLayout,
  theta: ArrayLike<number>,
  v: ArrayLike<number> | null,
  batch: MamlBatch,
): LossGradHvp {
  const dir = v ?? new Float64Array(L.paramCount);
  const grad = new Float64Array(L.paramCount);
  const hv = new Float64Array(L.paramCount);
  const s = { a: new Float64Array(L.actWidth), rz: new Float64Array(L.actWidth) };
  const dd = { d: new Float64Array(L.actWidth), rd: new Float64Array(L.actWidth) };
  const { data, idx, labelMap } = batch;
  let loss = 0;
  for (let b = 0; b < idx.length; b++) {
    const n = idx[b]!;
    const x = (i: number) => data.x[n * data.inputs + i]!;
    forwardR(L, theta, dir, x, s.a, s.rz);
    const raw = Math.trunc(data.y[n * data.targetWidth]!);
    const label = Math.min(labelMap ? labelMap[raw]! : raw, L.outputs - 1);
    const t = (j: number) => data.y[n * data.targetWidth + j]!;
    loss += outputDeltaR(L, s.a, s.rz, { label, t }, dd.d, dd.rd, 1 / idx.length);
    backwardR(L, theta, dir, x, { ...s, ...dd }, { grad, hv });
  }
  return { loss: loss / idx.length, grad, hv };
}

/**
 * The MAML meta-gradient of the query loss after `steps` SGD steps at `lr` on the support batch
 * from theta (paramCount entries), and that query loss; `firstOrder` drops the Hessian terms.
 */
export function mamlMetaGradientCpu(
  L: MlpLayout,
  theta: ArrayLike<number>,
  support: MamlBatch,
  query: MamlBatch,
  o: { lr: number; steps: number; firstOrder?: boolean },
): { metaGrad: Float64Array; queryLoss: number } {
  const path = [Float64Array.from({ length: L.paramCount }, (_, i) => theta[i]!)];
  for (let k = 0; k < o.steps; k++) {
    const g = lossGradHvpCpu(L, path[k]!, null, support).grad;
    path.push(path[k]!.map((x, i) => x - o.lr * g[i]!));
  }
  const q = lossGradHvpCpu(L, path[o.steps]!, null, query);
  const v = q.grad;
  for (let k = o.steps - 1; k >= 0 && !o.firstOrder; k--) {
    const hv = lossGradHvpCpu(L, path[k]!, v, support).hv;
    for (let i = 0; i < v.length; i++) v[i] = v[i]! - o.lr * hv[i]!;
  }
  return { metaGrad: v, queryLoss: q.loss };
}

/** The shape of a meta-batch's tables for `hvpStepCpu` and the meta_hvp kernel. */
export interface HvpTables {
  /** Models of the meta-batch. */
  models: number;
  /** Entries per batch-table row (the support batch is the first batchSize of a row). */
  rowLen: number;
  /** Label-map row width (0: labels as stored). */
  labelWidth: number;
  /** Inner learning rate. */
  lr: number;
}

/**
 * Twin of shaders/meta_hvp.wgsl, the fast path of `hvpStepSpecCpu` (the readable specification;
 * the same numbers): for every model p, v_p <- v_p - lr * H_p v_p, with H_p the
 * Hessian of p's mean loss on its support batch (batches[p * rowLen .. + batchSize)) at its row of
 * `theta` ((models, stride), like v); v is stored back in f32. `models` (default all): only those
 * models (each reads and writes its own rows only: learners/meta_train/train_threads.ts splits them
 * between threads).
 */
export function hvpStepCpu(
  L: MlpLayout,
  data: MlpData,
  t: { theta: Float32Array; v: Float32Array; batches: Uint32Array; labelMap: Uint32Array },
  o: HvpTables,
  models: ModelRange = { from: 0, to: o.models },
): void {
  // (One per thread, its buffers in the WebAssembly arena: a step runs its models to the end.)
  const ws = threadScratch("hvpStep");
  for (let p = modelAfter(models, models.from - 1); p < models.to; p = modelAfter(models, p)) {
    const idx = t.batches.subarray(p * o.rowLen, p * o.rowLen + L.batchSize);
    const labelMap = o.labelWidth > 0
      ? t.labelMap.subarray(p * o.labelWidth, (p + 1) * o.labelWidth)
      : null;
    const from = p * L.stride;
    const end = from + L.paramCount;
    const batch = { data, idx, labelMap };
    const hv = hvpCpu(L, t.theta.subarray(from, end), t.v.subarray(from, end), batch, ws);
    const v = t.v;
    for (let i = 0; i < L.paramCount; i++) v[from + i] = v[from + i]! - o.lr * hv[i]!;
  }
}

/**
 * `lossGradHvpCpu(L, theta, v, batch).hv`, the same numbers, by the fast path of `hvpStepCpu`
 * (the readable twin where the inputs or the forward values are not all finite); the result may be
 * a scratch buffer of `ws`, valid until its next use.
 */
export function hvpCpu(
  L: MlpLayout,
  theta: ArrayLike<number>,
  v: ArrayLike<number>,
  batch: MamlBatch,
  ws: FastScratch = fastScratch(),
): Float64Array {
  return hvpFast(L, ws, batch, {
    theta: f64Row(ws, "th", theta, 0, L.paramCount),
    v: f64Row(ws, "v", v, 0, L.paramCount),
  }) ?? lossGradHvpCpu(L, theta, v, batch).hv;
}

/** The readable twin of shaders/meta_hvp.wgsl (the specification of `hvpStepCpu`). */
export function hvpStepSpecCpu(
  L: MlpLayout,
  data: MlpData,
  t: { theta: Float32Array; v: Float32Array; batches: Uint32Array; labelMap: Uint32Array },
  o: HvpTables,
): void {
  for (let p = 0; p < o.models; p++) {
    const row = (a: Float32Array) => a.subarray(p * L.stride, p * L.stride + L.paramCount);
    const batch: MamlBatch = {
      data,
      idx: t.batches.subarray(p * o.rowLen, p * o.rowLen + L.batchSize),
      labelMap: o.labelWidth > 0
        ? t.labelMap.subarray(p * o.labelWidth, (p + 1) * o.labelWidth)
        : null,
    };
    const v = row(t.v);
    const hv = lossGradHvpCpu(L, row(t.theta), v, batch).hv;
    for (let i = 0; i < v.length; i++) v[i] = v[i]! - o.lr * hv[i]!;
  }
}
