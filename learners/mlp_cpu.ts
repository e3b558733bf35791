/**
 * Plain-loop TypeScript twins of the MLP kernels (the specification the WGSL must match):
 * `initParamsCpu` (shaders/init_params.wgsl), `trainStepCpu` (shaders/train_step.wgsl),
 * `evaluateCpu` (shaders/evaluate.wgsl) and `sampleBatchesCpu` (shaders/sample_batches.wgsl).
 * @module
 */
import { rngInt, rngNormal } from "../core/rng.ts";
import {
  KNOB,
  KNOB_STRIDE,
  LEARNED,
  LEARNED_FEATURES,
  LEARNED_HIDDEN,
  LEARNED_STRIDE,
} from "./knobs.ts";
import type { MlpLayout } from "./mlp_layout.ts";

/** Everything a population holds, as host arrays (the CPU backend's state; the GPU mirrors it). */
export interface MlpState {
  /** (P, stride) parameters. */
  params: Float32Array<ArrayBuffer>;
  /** (P, 2, stride): first-moment (momentum) then second-moment (Adam) buffers. */
  opt: Float32Array<ArrayBuffer>;
  /** (P) optimizer steps taken. */
  steps: Uint32Array<ArrayBuffer>;
  /**
   * (P, 4): last train step's mean loss, gradient norm (before clipping), diverged flag, and the
   * previous step's loss (kept by the learned optimizer; 0 otherwise).
   */
  metrics: Float32Array<ArrayBuffer>;
  /** (P, KNOB_STRIDE) hyperparameters. */
  knobs: Float32Array<ArrayBuffer>;
  /** (P, numBatches, batchSize) sample indices. */
  batchIdx: Uint32Array<ArrayBuffer>;
  /** Batches per model in batchIdx; step s uses batch s % numBatches. */
  numBatches: number;
  /** (P, labelMapWidth): class label -> model-local label; width 0 means labels as stored. */
  labelMap: Uint32Array<ArrayBuffer>;
  /** Width of labelMap rows (0: identity). */
  labelMapWidth: number;
  /** (P, LEARNED_STRIDE) learned-optimizer meta-network rows (zero: plain momentum SGD). */
  learned: Float32Array<ArrayBuffer>;
}

/** Host view of a data set as the kernels see it. */
export interface MlpData {
  /** Inputs, (count, inputs) row-major. */
  x: Float32Array;
  /** Targets, (count, targetWidth) row-major. */
  y: Float32Array;
  /** Number of samples. */
  count: number;
  /** Input width. */
  inputs: number;
  /** Targets per sample (1 for class labels). */
  targetWidth: number;
}

/** std of the init for layer l. */
export function initStd(layout: MlpLayout, l: number): number {
  const fin = layout.widths[l]!;
  const fout = layout.widths[l + 1]!;
  return layout.init === "he" ? Math.sqrt(2 / fin) : Math.sqrt(2 / (fin + fout));
}

/**
 * Init twin: weight k of model p is initStd(l) * rngNormal(seed, p, k); biases and padding are 0.
 * Optimizer state, steps and metrics are zeroed.
 */
export function initParamsCpu(layout: MlpLayout, s: MlpState, seed: number): void {
  const { size, stride, layers, weightOffset, biasOffset } = layout;
  s.params.fill(0);
  s.opt.fill(0);
  s.steps.fill(0);
  s.metrics.fill(0);
  for (let p = 0; p < size; p++) {
    for (let l = 0; l < layers; l++) {
      const std = initStd(layout, l);
      for (let k = weightOffset[l]!; k < biasOffset[l]!; k++) {
        s.params[p * stride + k] = std * rngNormal(seed, p, k);
      }
    }
  }
}

/**
 * Batch sampler twin: for model p, slot s and position b, the index is
 * `start[p] + rngInt(seed, p, count[p], s * batchSize + b, round)`; ranges is (P, 2) = (start, count).
 */
export function sampleBatchesCpu(
  layout: MlpLayout,
  ranges: Uint32Array,
  numBatches: number,
  seed: number,
  round: number,
): Uint32Array<ArrayBuffer> {
  const B = layout.batchSize;
  const out = new Uint32Array(layout.size * numBatches * B);
  for (let p = 0; p < layout.size; p++) {
    const start = ranges[2 * p]!;
    const count = ranges[2 * p + 1]!;
    for (let s = 0; s < numBatches; s++) {
      for (let b = 0; b < B; b++) {
        out[(p * numBatches + s) * B + b] = start + rngInt(seed, p, count, s * B + b, round);
      }
    }
  }
  return out;
}

function activate(layout: MlpLayout, z: number): number {
  return layout.activation === "relu" ? Math.max(z, 0) : Math.tanh(z);
}

/** Derivative of the activation expressed through its output a. */
function activationGrad(layout: MlpLayout, a: number): number {
  return layout.activation === "relu" ? (a > 0 ? 1 : 0) : 1 - a * a;
}

function labelOf(s: MlpState, p: number, y: number, outputs: number): number {
  const raw = Math.trunc(y);
  const l = s.labelMapWidth > 0 ? s.labelMap[p * s.labelMapWidth + raw]! : raw;
  return Math.min(l, outputs - 1);
}

/**
 * Forward pass of model p on samples `idx` (length n). Returns activations (n, actWidth): hidden
 * layers after the nonlinearity, the last layer raw (logits or regression outputs).
 */
export function forwardCpu(
  layout: MlpLayout,
  params: Float32Array,
  p: number,
  data: MlpData,
  idx: ArrayLike<number>,
): Float64Array {
  const { widths, layers, weightOffset, biasOffset, actOffset, actWidth, stride } = layout;
  const n = idx.length;
  const acts = new Float64Array(n * actWidth);
  const base = p * stride;
  for (let b = 0; b < n; b++) {
    const xi = idx[b]! * data.inputs;
    for (let l = 0; l < layers; l++) {
      const fin = widths[l]!;
      const fout = widths[l + 1]!;
      const last = l === layers - 1;
      for (let j = 0; j < fout; j++) {
        let z = params[base + biasOffset[l]! + j]!;
        const w = base + weightOffset[l]! + j * fin;
        for (let i = 0; i < fin; i++) {
          const a = l === 0 ? data.x[xi + i]! : acts[b * actWidth + actOffset[l - 1]! + i]!;
          z += params[w + i]! * a;
        }
        acts[b * actWidth + actOffset[l]! + j] = last ? z : activate(layout, z);
      }
    }
  }
  return acts;
}

/**
 * Loss of one sample from its output row `o` (length outputs) and its derivative dL/do written to
 * `d` (scaled by `scale`). Cross-entropy: log-sum-exp minus the label's logit. MSE: mean over the
 * outputs of (o - t)^2, derivative 2(o - t)/outputs.
 */
function sampleLoss(
  layout: MlpLayout,
  o: Float64Array,
  label: number,
  t: Float32Array,
  tOff: number,
  d: Float64Array | null,
  scale: number,
  smooth = 0,
): number {
  const k = layout.outputs;
  if (layout.loss === "cross_entropy") {
    // Target (1 - smooth) * onehot(label) + smooth / k (label smoothing).
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, o[j]!);
    let sum = 0;
    let zsum = 0;
    for (let j = 0; j < k; j++) {
      sum += Math.exp(o[j]! - m);
      zsum += o[j]!;
    }
    const off = smooth / k;
    if (d) {
      for (let j = 0; j < k; j++) {
        d[j] = (Math.exp(o[j]! - m) / sum - (j === label ? 1 - smooth : 0) - off) * scale;
      }
    }
    return Math.log(sum) + m - ((1 - smooth) * o[label]! + off * zsum);
  }
  let loss = 0;
  for (let j = 0; j < k; j++) {
    const diff = o[j]! - t[tOff + j]!;
    loss += diff * diff;
    if (d) d[j] = (2 * diff / k) * scale;
  }
  return loss / k;
}

/**
 * Train-step twin for every model: forward on the model's current batch, mean loss, backward,
 * global-norm clip, L2 weight decay, then the model's optimizer (sgd, momentum, adam). With
 * `gradsOut` given, gradients (P, stride) are written there and nothing is updated (mode 1).
 */
export function trainStepCpu(
  layout: MlpLayout,
  s: MlpState,
  data: MlpData,
  gradsOut?: Float32Array,
): void {
  const {
    size,
    widths,
    layers,
    weightOffset,
    biasOffset,
    actOffset,
    actWidth,
    stride,
    paramCount,
    outputs,
  } = layout;
  const B = layout.batchSize;
  const grads = new Float64Array(paramCount);
  const deltas = new Float64Array(B * actWidth);
  const o = new Float64Array(outputs);
  const d = new Float64Array(outputs);
  for (let p = 0; p < size; p++) {
    const base = p * stride;
    const slot = s.steps[p]! % s.numBatches;
    const idx = s.batchIdx.subarray(
      (p * s.numBatches + slot) * B,
      (p * s.numBatches + slot + 1) * B,
    );
    const acts = forwardCpu(layout, s.params, p, data, idx);
    // Loss and output deltas, dL/dz of the last layer, mean over the batch.
    let lossSum = 0;
    const lastOff = actOffset[layers - 1]!;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < outputs; j++) o[j] = acts[b * actWidth + lastOff + j]!;
      const n = idx[b]!;
      const label = layout.loss === "cross_entropy"
        ? labelOf(s, p, data.y[n * data.targetWidth]!, outputs)
        : 0;
      const smooth = s.knobs[p * KNOB_STRIDE + KNOB.labelSmoothing]!;
      lossSum += sampleLoss(layout, o, label, data.y, n * data.targetWidth, d, 1 / B, smooth);
      for (let j = 0; j < outputs; j++) deltas[b * actWidth + lastOff + j] = d[j]!;
    }
    // Backward.
    grads.fill(0);
    for (let l = layers - 1; l >= 0; l--) {
      const fin = widths[l]!;
      const fout = widths[l + 1]!;
      for (let b = 0; b < B; b++) {
        const xi = idx[b]! * data.inputs;
        for (let j = 0; j < fout; j++) {
          const dj = deltas[b * actWidth + actOffset[l]! + j]!;
          grads[biasOffset[l]! + j]! += dj;
          for (let i = 0; i < fin; i++) {
            const a = l === 0 ? data.x[xi + i]! : acts[b * actWidth + actOffset[l - 1]! + i]!;
            grads[weightOffset[l]! + j * fin + i]! += dj * a;
          }
        }
        if (l > 0) {
          for (let i = 0; i < fin; i++) {
            let sum = 0;
            for (let j = 0; j < fout; j++) {
              sum += s.params[base + weightOffset[l]! + j * fin + i]! *
                deltas[b * actWidth + actOffset[l]! + j]!;
            }
            const a = acts[b * actWidth + actOffset[l - 1]! + i]!;
            deltas[b * actWidth + actOffset[l - 1]! + i] = sum * activationGrad(layout, a);
          }
        }
      }
    }
    let sq = 0;
    for (let k = 0; k < paramCount; k++) sq += grads[k]! * grads[k]!;
    const norm = Math.sqrt(sq);
    const loss = lossSum / B;
    s.metrics[p * 4] = loss;
    s.metrics[p * 4 + 1] = norm;
    if (gradsOut) {
      for (let k = 0; k < paramCount; k++) gradsOut[base + k] = grads[k]!;
      continue;
    }
    // Quarantine: a NaN/infinite loss or gradient sets a sticky flag; the model is never updated.
    // (Math.fround: the kernel tests the f32 values.)
    if (
      s.metrics[p * 4 + 2] !== 0 || !Number.isFinite(Math.fround(loss)) ||
      !Number.isFinite(Math.fround(norm))
    ) {
      s.metrics[p * 4 + 2] = 1;
      continue;
    }
    updateCpu(layout, s, p, grads, norm);
    s.steps[p] = s.steps[p]! + 1;
  }
}

/**
 * Raw features of the training state seen by the learned optimizer (twin of learned_features in
 * train_step.wgsl): log(1 + loss), the log ratio of the loss to the previous step's clamped to
 * [-4, 4] (0 on step 0), log(gradNorm + 1e-8), log(weightNorm + 1e-8), steps / horizon clamped to
 * [0, 2] (0 when horizon is 0). Loss and norms are clamped to [0, 1e30] first, so every feature is
 * finite for any finite input.
 */
export function learnedFeatures(
  loss: number,
  prevLoss: number,
  gradNorm: number,
  weightNorm: number,
  step: number,
  horizon: number,
): number[] {
  const c = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const l = c(loss, 0, 1e30);
  const pl = c(prevLoss, 0, 1e30);
  return [
    Math.log(1 + l),
    step > 0 ? c(Math.log(l + 1e-8) - Math.log(pl + 1e-8), -4, 4) : 0,
    Math.log(Math.min(gradNorm, 1e30) + 1e-8),
    Math.log(Math.min(weightNorm, 1e30) + 1e-8),
    horizon > 0 ? c(step / horizon, 0, 2) : 0,
  ];
}

/**
 * Learning-rate multiplier of a learned-optimizer row `w` (at `base`) for raw features `f` (twin of
 * learned_lr_scale): features normalized as clamp((f - mean) * scale, -8, 8), a 5 -> 8 tanh -> 1
 * network (pre-activations clamped to [-15, 15]), then exp(clamp(out, -4, 4)).
 */
export function learnedLrScale(w: Float32Array, base: number, f: readonly number[]): number {
  const x = new Array<number>(LEARNED_FEATURES);
  for (let i = 0; i < LEARNED_FEATURES; i++) {
    const v = (f[i]! - w[base + LEARNED.mean + i]!) * w[base + LEARNED.scale + i]!;
    x[i] = Math.min(Math.max(v, -8), 8);
  }
  let out = w[base + LEARNED.b2]!;
  for (let j = 0; j < LEARNED_HIDDEN; j++) {
    let z = w[base + LEARNED.b1 + j]!;
    for (let i = 0; i < LEARNED_FEATURES; i++) {
      z += w[base + LEARNED.w1 + j * LEARNED_FEATURES + i]! * x[i]!;
    }
    out += w[base + LEARNED.w2 + j]! * Math.tanh(Math.min(Math.max(z, -15), 15));
  }
  return Math.exp(Math.min(Math.max(out, -4), 4));
}

/** Optimizer twin for model p given its raw gradient and the gradient's global norm. */
function updateCpu(
  layout: MlpLayout,
  s: MlpState,
  p: number,
  grads: Float64Array,
  norm: number,
): void {
  const { stride, paramCount } = layout;
  const kb = p * KNOB_STRIDE;
  const lr = s.knobs[kb + KNOB.lr]!;
  const mu = s.knobs[kb + KNOB.momentum]!;
  const b1 = s.knobs[kb + KNOB.beta1]!;
  const b2 = s.knobs[kb + KNOB.beta2]!;
  const eps = s.knobs[kb + KNOB.eps]!;
  const wd = s.knobs[kb + KNOB.weightDecay]!;
  const clip = s.knobs[kb + KNOB.clipNorm]!;
  const kind = s.knobs[kb + KNOB.optimizer]!;
  const scale = clip > 0 && norm > clip ? clip / norm : 1;
  // Gradient transform: 0 the clipped gradient, 1 its sign, 2 divided by the global norm.
  const transform = s.knobs[kb + KNOB.gradTransform]!;
  const gmul = transform === 2 ? 1 / Math.max(norm, 1e-30) : scale;
  const gt = (g: number) => (transform === 1 ? Math.sign(g) : g * gmul);
  const t = s.steps[p]! + 1;
  const bc1 = 1 - Math.pow(b1, t);
  const bc2 = 1 - Math.pow(b2, t);
  const base = p * stride;
  const mBase = p * 2 * stride;
  const vBase = mBase + stride;
  if (kind === 3) {
    // Learned: momentum SGD with lr scaled by the model's meta-network from the training state.
    let wsq = 0;
    for (let k = 0; k < paramCount; k++) wsq += s.params[base + k]! * s.params[base + k]!;
    const loss = s.metrics[p * 4]!;
    const f = learnedFeatures(
      loss,
      s.metrics[p * 4 + 3]!,
      norm,
      Math.sqrt(wsq),
      s.steps[p]!,
      s.knobs[kb + KNOB.horizon]!,
    );
    const lrEff = lr * learnedLrScale(s.learned, p * LEARNED_STRIDE, f);
    for (let k = 0; k < paramCount; k++) {
      const w = s.params[base + k]!;
      const m = mu * s.opt[mBase + k]! + gt(grads[k]!) + wd * w;
      s.opt[mBase + k] = m;
      s.params[base + k] = w - lrEff * m;
    }
    s.metrics[p * 4 + 3] = loss;
    return;
  }
  if (kind === 4) {
    // Per-parameter learned update: momentum plus a 3 -> 8 tanh -> 1 network's output.
    const L = s.learned;
    const q = p * LEARNED_STRIDE;
    const c = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    for (let k = 0; k < paramCount; k++) {
      const w = s.params[base + k]!;
      const g = gt(grads[k]!) + wd * w;
      const m = mu * s.opt[mBase + k]! + g;
      s.opt[mBase + k] = m;
      const x = [g, m, w].map((v, i) => c(v * L[q + LEARNED.ppScale + i]!, -8, 8));
      let o = L[q + LEARNED.ppB2]!;
      for (let j = 0; j < LEARNED_HIDDEN; j++) {
        let z = L[q + LEARNED.ppB1 + j]!;
        for (let i = 0; i < 3; i++) z += L[q + LEARNED.ppW1 + j * 3 + i]! * x[i]!;
        o += L[q + LEARNED.ppW2 + j]! * Math.tanh(c(z, -15, 15));
      }
      s.params[base + k] = w - lr * (m + o);
    }
    return;
  }
  for (let k = 0; k < paramCount; k++) {
    const w = s.params[base + k]!;
    const g = gt(grads[k]!) + wd * w;
    if (kind === 0) {
      s.params[base + k] = w - lr * g;
    } else if (kind === 1) {
      const m = mu * s.opt[mBase + k]! + g;
      s.opt[mBase + k] = m;
      s.params[base + k] = w - lr * m;
    } else {
      const m = b1 * s.opt[mBase + k]! + (1 - b1) * g;
      const v = b2 * s.opt[vBase + k]! + (1 - b2) * g * g;
      s.opt[mBase + k] = m;
      s.opt[vBase + k] = v;
      s.params[base + k] = w - lr * (m / bc1) / (Math.sqrt(v / bc2) + eps);
    }
  }
}

/** Result of an evaluation: mean loss and accuracy per model, and optionally the raw outputs. */
export interface EvalResult {
  /** (P) mean loss over the model's eval samples. */
  loss: Float32Array;
  /** (P) fraction of samples whose argmax output equals the label (0 for mse). */
  accuracy: Float32Array;
  /** (P, count, outputs) last-layer outputs, when requested. */
  outputs?: Float32Array;
}

/**
 * Eval twin: model p is evaluated on samples evalIdx[p*count .. (p+1)*count). Accuracy uses the
 * first maximal output as the prediction.
 */
export function evaluateCpu(
  layout: MlpLayout,
  s: MlpState,
  data: MlpData,
  evalIdx: Uint32Array,
  count: number,
  withOutputs = false,
): EvalResult {
  const { size, outputs, actWidth, actOffset, layers } = layout;
  const loss = new Float32Array(size);
  const accuracy = new Float32Array(size);
  const out = withOutputs ? new Float32Array(size * count * outputs) : undefined;
  const o = new Float64Array(outputs);
  for (let p = 0; p < size; p++) {
    const idx = evalIdx.subarray(p * count, (p + 1) * count);
    const acts = forwardCpu(layout, s.params, p, data, idx);
    let lossSum = 0;
    let correct = 0;
    for (let e = 0; e < count; e++) {
      const row = e * actWidth + actOffset[layers - 1]!;
      let best = 0;
      for (let j = 0; j < outputs; j++) {
        o[j] = acts[row + j]!;
        if (out) out[(p * count + e) * outputs + j] = o[j]!;
        if (o[j]! > o[best]!) best = j;
      }
      const n = idx[e]!;
      const label = layout.loss === "cross_entropy"
        ? labelOf(s, p, data.y[n * data.targetWidth]!, outputs)
        : 0;
      lossSum += sampleLoss(layout, o, label, data.y, n * data.targetWidth, null, 1);
      if (layout.loss === "cross_entropy" && best === label) correct++;
    }
    loss[p] = lossSum / count;
    accuracy[p] = correct / count;
  }
  return out ? { loss, accuracy, outputs: out } : { loss, accuracy };
}

/** Allocates a zeroed state for a layout (one batch slot of zeros, identity labels). */
export function createMlpState(layout: MlpLayout): MlpState {
  const P = layout.size;
  return {
    params: new Float32Array(P * layout.stride),
    opt: new Float32Array(P * 2 * layout.stride),
    steps: new Uint32Array(P),
    metrics: new Float32Array(P * 4),
    knobs: new Float32Array(P * KNOB_STRIDE),
    batchIdx: new Uint32Array(P * layout.batchSize),
    numBatches: 1,
    labelMap: new Uint32Array(1),
    labelMapWidth: 0,
    learned: new Float32Array(P * LEARNED_STRIDE),
  };
}
