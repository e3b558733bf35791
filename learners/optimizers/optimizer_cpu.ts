/**
 * Plain-loop twin of the update phase of shaders/train_step.wgsl: global-norm clip and gradient
 * transforms, weight decay and each model's optimizer (sgd, momentum, adam, and the learned
 * optimizers: the learning-rate-scale meta-network and the per-parameter update network).
 * @module
 */
import {
  KNOB,
  KNOB_STRIDE,
  LEARNED,
  LEARNED_FEATURES,
  LEARNED_HIDDEN,
  LEARNED_STRIDE,
} from "./knobs.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { METRIC, METRIC_STRIDE } from "../metrics_row.ts";
import type { MlpState } from "../mlp/mlp_cpu.ts";

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

/** What every update rule of one model needs: its rows, knobs and transformed gradient. */
interface UpdateContext {
  s: MlpState;
  p: number;
  grads: Float64Array;
  norm: number;
  paramCount: number;
  /** Knob row offset, parameter row offset and first-moment row offset of model p. */
  kb: number;
  base: number;
  mBase: number;
  /** The transformed gradient of one entry (clipped, sign or norm-divided). */
  gt: (g: number) => number;
  /** What gt does, for the inlined loop of standardUpdate: 1 the sign, else times gmul. */
  transform: number;
  gmul: number;
}

/** Optimizer twin for model p given its raw gradient and the gradient's global norm. */
export function updateCpu(
  layout: MlpLayout,
  s: MlpState,
  p: number,
  grads: Float64Array,
  norm: number,
): void {
  const { stride, paramCount } = layout;
  const kb = p * KNOB_STRIDE;
  const clip = s.knobs[kb + KNOB.clipNorm]!;
  const kind = s.knobs[kb + KNOB.optimizer]!;
  const scale = clip > 0 && norm > clip ? clip / norm : 1;
  // Gradient transform: 0 the clipped gradient, 1 its sign, 2 divided by the global norm.
  const transform = s.knobs[kb + KNOB.gradTransform]!;
  const gmul = transform === 2 ? 1 / Math.max(norm, 1e-30) : scale;
  const gt = (g: number) => (transform === 1 ? Math.sign(g) : g * gmul);
  const ctx: UpdateContext = {
    s,
    p,
    grads,
    norm,
    paramCount,
    kb,
    base: p * stride,
    mBase: p * 2 * stride,
    gt,
    transform,
    gmul,
  };
  if (kind === 3) learnedLrUpdate(ctx);
  else if (kind === 4) learnedPerParamUpdate(ctx);
  else standardUpdate(ctx, kind, stride);
}

/** Learned (kind 3): momentum SGD with lr scaled by the model's meta-network of the state. */
function learnedLrUpdate(c: UpdateContext): void {
  const { s, p, kb, base, mBase, paramCount } = c;
  const lr = s.knobs[kb + KNOB.lr]!;
  const mu = s.knobs[kb + KNOB.momentum]!;
  const wd = s.knobs[kb + KNOB.weightDecay]!;
  let wsq = 0;
  for (let k = 0; k < paramCount; k++) wsq += s.params[base + k]! * s.params[base + k]!;
  const loss = s.metrics[p * METRIC_STRIDE + METRIC.loss]!;
  const f = learnedFeatures(
    loss,
    s.metrics[p * METRIC_STRIDE + METRIC.prevLoss]!,
    c.norm,
    Math.sqrt(wsq),
    s.steps[p]!,
    s.knobs[kb + KNOB.horizon]!,
  );
  const lrEff = lr * learnedLrScale(s.learned, p * LEARNED_STRIDE, f);
  for (let k = 0; k < paramCount; k++) {
    const w = s.params[base + k]!;
    const m = mu * s.opt[mBase + k]! + c.gt(c.grads[k]!) + wd * w;
    s.opt[mBase + k] = m;
    s.params[base + k] = w - lrEff * m;
  }
  s.metrics[p * METRIC_STRIDE + METRIC.prevLoss] = loss;
}

/** Per-parameter learned update (kind 4): momentum plus a 3 -> 8 tanh -> 1 network's output. */
function learnedPerParamUpdate(ctx: UpdateContext): void {
  const { s, p, kb, base, mBase, paramCount } = ctx;
  const lr = s.knobs[kb + KNOB.lr]!;
  const mu = s.knobs[kb + KNOB.momentum]!;
  const wd = s.knobs[kb + KNOB.weightDecay]!;
  const L = s.learned;
  const q = p * LEARNED_STRIDE;
  const c = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  for (let k = 0; k < paramCount; k++) {
    const w = s.params[base + k]!;
    const g = ctx.gt(ctx.grads[k]!) + wd * w;
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
}

/** SGD (kind 0), momentum (1) and Adam (2, bias-corrected with the model's step count). */
function standardUpdate(c: UpdateContext, kind: number, stride: number): void {
  const { s, p, kb, base, mBase, paramCount } = c;
  const lr = s.knobs[kb + KNOB.lr]!;
  const mu = s.knobs[kb + KNOB.momentum]!;
  const b1 = s.knobs[kb + KNOB.beta1]!;
  const b2 = s.knobs[kb + KNOB.beta2]!;
  const eps = s.knobs[kb + KNOB.eps]!;
  const wd = s.knobs[kb + KNOB.weightDecay]!;
  const t = s.steps[p]! + 1;
  const bc1 = 1 - Math.pow(b1, t);
  const bc2 = 1 - Math.pow(b2, t);
  const vBase = mBase + stride;
  // c.gt written out (a closure called per entry is several times slower here), and one loop per
  // optimizer kind and transform (the same expressions, the branches taken once per model).
  const { params, opt, grads } = { params: s.params, opt: s.opt, grads: c.grads };
  const { transform, gmul } = c;
  const sign = transform === 1;
  if (kind === 0) {
    if (sign) {
      for (let k = 0; k < paramCount; k++) {
        const w = params[base + k]!;
        params[base + k] = w - lr * (Math.sign(grads[k]!) + wd * w);
      }
    } else {
      for (let k = 0; k < paramCount; k++) {
        const w = params[base + k]!;
        params[base + k] = w - lr * (grads[k]! * gmul + wd * w);
      }
    }
  } else if (kind === 1) {
    for (let k = 0; k < paramCount; k++) {
      const w = params[base + k]!;
      const gk = grads[k]!;
      const g = (sign ? Math.sign(gk) : gk * gmul) + wd * w;
      const m = mu * opt[mBase + k]! + g;
      opt[mBase + k] = m;
      params[base + k] = w - lr * m;
    }
  } else {
    for (let k = 0; k < paramCount; k++) {
      const w = params[base + k]!;
      const gk = grads[k]!;
      const g = (sign ? Math.sign(gk) : gk * gmul) + wd * w;
      const m = b1 * opt[mBase + k]! + (1 - b1) * g;
      const v = b2 * opt[vBase + k]! + (1 - b2) * g * g;
      opt[mBase + k] = m;
      opt[vBase + k] = v;
      params[base + k] = w - lr * (m / bc1) / (Math.sqrt(v / bc2) + eps);
    }
  }
}

/**
 * Whether model p's update is plain SGD (optimizer 0, no clipping, the gradient as it is), whose
 * new parameters do not depend on the gradient's norm: `sgdStaged` can then form them in the same
 * loop as the norm's sum (whose additions, one after the other, bound that loop).
 */
export function plainSgd(s: MlpState, p: number): boolean {
  const kb = p * KNOB_STRIDE;
  return s.knobs[kb + KNOB.optimizer] === 0 && !(s.knobs[kb + KNOB.clipNorm]! > 0) &&
    s.knobs[kb + KNOB.gradTransform] === 0;
}

/** One model's share of a paired step: its gradient, its stage, the offset of its row. */
export interface StepRows {
  grads: Float64Array;
  stage: Float32Array;
  base: number;
}

/**
 * For a `plainSgd` model: the squared norm of `grads` (the sum of squares in index order, as
 * trainStepCpu forms it) and, in `stage`, standardUpdate's new parameters (w - lr (g + wd w),
 * the same expression), which the caller copies into the model's row if the step is healthy.
 */
export function sgdStaged(s: MlpState, p: number, r: StepRows, paramCount: number): number {
  const { grads, stage, base } = r;
  const kb = p * KNOB_STRIDE;
  const lr = s.knobs[kb + KNOB.lr]!;
  const wd = s.knobs[kb + KNOB.weightDecay]!;
  const params = s.params;
  let sq = 0;
  for (let k = 0; k < paramCount; k++) {
    const g = grads[k]!;
    sq += g * g;
    const w = params[base + k]!;
    // standardUpdate's g * gmul with gmul 1 (no clipping): g * 1 is g, bit for bit.
    stage[k] = w - lr * (g + wd * w);
  }
  return sq;
}

/**
 * sgdStaged of two `plainSgd` models in one loop, their squared norms written to sq[0] and sq[1].
 * Each norm is its own chain of additions in index order (the same bits as sgdStaged); two
 * chains in one loop let the processor overlap them, where one chain's additions wait on each
 * other.
 */
export function sgdStagedPair(
  s: MlpState,
  [pa, pb]: readonly [number, number],
  [a, b]: readonly [StepRows, StepRows],
  paramCount: number,
  sq: Float64Array,
): void {
  const lrA = s.knobs[pa * KNOB_STRIDE + KNOB.lr]!,
    wdA = s.knobs[pa * KNOB_STRIDE + KNOB.weightDecay]!;
  const lrB = s.knobs[pb * KNOB_STRIDE + KNOB.lr]!,
    wdB = s.knobs[pb * KNOB_STRIDE + KNOB.weightDecay]!;
  const { params } = s;
  const ga = a.grads, gb = b.grads, sa = a.stage, sb = b.stage, baseA = a.base, baseB = b.base;
  let sqA = 0, sqB = 0;
  for (let k = 0; k < paramCount; k++) {
    const gA = ga[k]!, gB = gb[k]!;
    sqA += gA * gA;
    sqB += gB * gB;
    const wA = params[baseA + k]!, wB = params[baseB + k]!;
    sa[k] = wA - lrA * (gA + wdA * wA);
    sb[k] = wB - lrB * (gB + wdB * wB);
  }
  sq[0] = sqA;
  sq[1] = sqB;
}

/** The squared norm of `grads` (as sgdStaged) with the gradient copied to `out` at `at`. */
export function normCopied(
  grads: Float64Array,
  paramCount: number,
  out: Float32Array,
  at: number,
): number {
  let sq = 0;
  for (let k = 0; k < paramCount; k++) {
    const g = grads[k]!;
    sq += g * g;
    out[at + k] = g;
  }
  return sq;
}

/** normCopied of two models in one loop (two chains, as sgdStagedPair), the norms to sq[0..1]. */
export function normCopiedPair(
  [a, b]: readonly [StepRows, StepRows],
  paramCount: number,
  out: Float32Array,
  sq: Float64Array,
): void {
  const ga = a.grads, gb = b.grads, baseA = a.base, baseB = b.base;
  let sqA = 0, sqB = 0;
  for (let k = 0; k < paramCount; k++) {
    const gA = ga[k]!, gB = gb[k]!;
    sqA += gA * gA;
    sqB += gB * gB;
    out[baseA + k] = gA;
    out[baseB + k] = gB;
  }
  sq[0] = sqA;
  sq[1] = sqB;
}

/**
 * The squared norms of the n (1 or 2) models ps[j] whose gradients are in rows[j], to sq[j]: beside
 * the copy to `gradsOut`, beside a `plainSgd` model's staged step (`staged[j]`), or alone; a pair in
 * one loop where both take the same path.
 */
export function stepNorms(
  s: MlpState,
  { ps, n, rows }: { ps: readonly number[]; n: number; rows: readonly [StepRows, StepRows] },
  t: {
    paramCount: number;
    gradsOut: Float32Array | undefined;
    staged: readonly boolean[];
    sq: Float64Array;
  },
): void {
  const { paramCount, gradsOut, staged, sq } = t;
  if (n === 2 && gradsOut) return normCopiedPair(rows, paramCount, gradsOut, sq);
  if (n === 2 && staged[0] && staged[1]) {
    return sgdStagedPair(s, [ps[0]!, ps[1]!], rows, paramCount, sq);
  }
  for (let j = 0; j < n; j++) {
    const r = rows[j]!;
    if (gradsOut) sq[j] = normCopied(r.grads, paramCount, gradsOut, r.base);
    else if (staged[j]) sq[j] = sgdStaged(s, ps[j]!, r, paramCount);
    else {
      let t = 0;
      for (let k = 0; k < paramCount; k++) t += r.grads[k]! * r.grads[k]!;
      sq[j] = t;
    }
  }
}
