/**
 * Per-model hyperparameters ("knobs"): one row of KNOB_STRIDE f32 per model in a buffer, so that
 * every model of a population can train with its own learning rate, optimizer and regularization
 * in the same dispatch.
 *
 * Row layout (f32 index: field): 0 lr, 1 momentum, 2 beta1, 3 beta2, 4 eps, 5 weightDecay,
 * 6 clipNorm (0 = no clipping), 7 optimizer (0 sgd, 1 momentum, 2 adam, 3 learned, 4
 * learned-per-param), 8 horizon
 * (the learned optimizer's step-fraction feature is steps / horizon; 0 = off), 9 labelSmoothing,
 * 10 gradTransform (0 none, 1 sign, 2 normalize), 11 hold (1: a train step leaves the model as it
 * is, parameters, moments and metrics, and only advances its step count, so that its next step
 * reads the next batch slot; evolve's memetic steps past a segment's gradSteps), 12..15 reserved (0).
 *
 * The learned optimizer (kind 3) is momentum SGD whose learning rate a tiny per-model meta-network
 * scales: lr_eff = lr * exp(clamp(net(features), -4, 4)). Its weights live in a separate (P,
 * LEARNED_STRIDE) buffer (`Population.setLearnedWeights`), laid out as `LEARNED` says; a zero row
 * gives lr_eff = lr, i.e. plain momentum SGD.
 * @module
 */
import { type RowLayout, rowLayout } from "../../core/wgsl_layout.ts";

/** Optimizer kinds, with their code in the knobs row. */
export const OPTIMIZERS = {
  sgd: 0,
  momentum: 1,
  adam: 2,
  learned: 3,
  "learned-per-param": 4,
} as const;
/** Optimizer name. */
export type OptimizerKind = keyof typeof OPTIMIZERS;
/** f32 per knobs row. */
export const KNOB_STRIDE = 16;
/** Index of each field in a knobs row. */
export const KNOB = {
  lr: 0,
  momentum: 1,
  beta1: 2,
  beta2: 3,
  eps: 4,
  weightDecay: 5,
  clipNorm: 6,
  optimizer: 7,
  horizon: 8,
  labelSmoothing: 9,
  gradTransform: 10,
  hold: 11,
} as const;

/** The knobs row layout; its WGSL part declares `KNOB_STRIDE`, `KNOB_LR`, `KNOB_CLIP_NORM`, ... */
export const KNOB_LAYOUT: RowLayout = rowLayout("KNOB", KNOB, {
  stride: KNOB_STRIDE,
  source: "learners/optimizers/knobs.ts",
});

/** Gradient transforms, with their code in the knobs row (clipping is the separate clipNorm). */
export const GRAD_TRANSFORMS = { none: 0, sign: 1, normalize: 2 } as const;
/** Gradient transform name: none, sign (elementwise sign), normalize (divide by the global norm). */
export type GradTransform = keyof typeof GRAD_TRANSFORMS;

/** f32 per learned-optimizer row (one per model). */
export const LEARNED_STRIDE = 128;
/** Features the learned optimizer's meta-network reads. */
export const LEARNED_FEATURES = 5;
/** Hidden units of the learned optimizer's meta-network. */
export const LEARNED_HIDDEN = 8;
/**
 * Offsets in a learned-optimizer row: w1 (8, 5) row-major [hidden][feature], b1 (8), w2 (8), b2,
 * then the feature normalization mean (5) and scale (5): x = clamp((f - mean) * scale, -8, 8).
 * The per-parameter variant (kind 4) reads ppW1 (8, 3) [hidden][input] over the inputs (gradient,
 * momentum, parameter), ppB1 (8), ppW2 (8), ppB2 and ppScale (3): its update is
 * w -= lr * (m + net(clamp((g, m, w) * ppScale, -8, 8))). Entries from `end` to LEARNED_STRIDE are
 * reserved (0).
 */
export const LEARNED = {
  w1: 0,
  b1: 40,
  w2: 48,
  b2: 56,
  mean: 64,
  scale: 69,
  ppW1: 80,
  ppB1: 104,
  ppW2: 112,
  ppB2: 120,
  ppScale: 121,
  end: 124,
} as const;

/** The learned-optimizer row layout; its WGSL part declares `LEARNED_STRIDE`, `LEARNED_W1`, ... */
export const LEARNED_LAYOUT: RowLayout = rowLayout("LEARNED", LEARNED, {
  stride: LEARNED_STRIDE,
  source: "learners/optimizers/knobs.ts",
});

/** Hyperparameters of one model. */
export interface Knobs {
  /** Learning rate, in [0, 100]. */
  lr: number;
  /** Optimizer (default sgd). */
  optimizer?: OptimizerKind;
  /** Momentum coefficient for `momentum`, in [0, 1) (default 0.9). */
  momentum?: number;
  /** Adam beta1, in [0, 1) (default 0.9). */
  beta1?: number;
  /** Adam beta2, in [0, 1) (default 0.999). */
  beta2?: number;
  /** Adam epsilon, in (0, 1] (default 1e-8). */
  eps?: number;
  /** L2 weight decay added to the gradient, in [0, 10] (default 0). */
  weightDecay?: number;
  /** Clip the gradient's global L2 norm to this value; 0 disables (default 0). */
  clipNorm?: number;
  /** Learned optimizer: steps of a full run, for the step-fraction feature; 0 = off (default 0). */
  horizon?: number;
  /** Cross-entropy label smoothing epsilon, in [0, 1) (default 0). */
  labelSmoothing?: number;
  /** Gradient transform before weight decay and the optimizer (default none). */
  gradTransform?: GradTransform;
}

function check(
  field: string,
  v: number,
  lo: number,
  hi: number,
  loOpen = false,
  hiOpen = false,
): void {
  const okLo = loOpen ? v > lo : v >= lo;
  const okHi = hiOpen ? v < hi : v <= hi;
  if (typeof v !== "number" || !Number.isFinite(v) || !okLo || !okHi) {
    throw new RangeError(
      `Invalid knob ${field}: must be in ${loOpen ? "(" : "["}${lo}, ${hi}${
        hiOpen ? ")" : "]"
      }: current value is ${v}`,
    );
  }
}

/** Packs one model's knobs into `row` (length KNOB_STRIDE), validating every field. */
export function packKnobs(k: Knobs, row: Float32Array, field = "knobs"): void {
  const opt = k.optimizer ?? "sgd";
  if (!(opt in OPTIMIZERS)) {
    throw new RangeError(
      `Invalid knob ${field}.optimizer: must be sgd, momentum, adam, learned or learned-per-param: current value is ${opt}`,
    );
  }
  const v = {
    lr: k.lr,
    momentum: k.momentum ?? 0.9,
    beta1: k.beta1 ?? 0.9,
    beta2: k.beta2 ?? 0.999,
    eps: k.eps ?? 1e-8,
    weightDecay: k.weightDecay ?? 0,
    clipNorm: k.clipNorm ?? 0,
    horizon: k.horizon ?? 0,
    labelSmoothing: k.labelSmoothing ?? 0,
  };
  const transform = k.gradTransform ?? "none";
  if (!(transform in GRAD_TRANSFORMS)) {
    throw new RangeError(
      `Invalid knob ${field}.gradTransform: must be none, sign or normalize: current value is ${transform}`,
    );
  }
  check(`${field}.lr`, v.lr, 0, 100);
  check(`${field}.momentum`, v.momentum, 0, 1, false, true);
  check(`${field}.beta1`, v.beta1, 0, 1, false, true);
  check(`${field}.beta2`, v.beta2, 0, 1, false, true);
  check(`${field}.eps`, v.eps, 0, 1, true);
  check(`${field}.weightDecay`, v.weightDecay, 0, 10);
  check(`${field}.clipNorm`, v.clipNorm, 0, 1e6);
  check(`${field}.horizon`, v.horizon, 0, 1e9);
  check(`${field}.labelSmoothing`, v.labelSmoothing, 0, 1, false, true);
  row.fill(0);
  row[KNOB.lr] = v.lr;
  row[KNOB.momentum] = v.momentum;
  row[KNOB.beta1] = v.beta1;
  row[KNOB.beta2] = v.beta2;
  row[KNOB.eps] = v.eps;
  row[KNOB.weightDecay] = v.weightDecay;
  row[KNOB.clipNorm] = v.clipNorm;
  row[KNOB.optimizer] = OPTIMIZERS[opt];
  row[KNOB.horizon] = v.horizon;
  row[KNOB.labelSmoothing] = v.labelSmoothing;
  row[KNOB.gradTransform] = GRAD_TRANSFORMS[transform];
}

/** Packs one Knobs per model (or one shared Knobs) into a (P, KNOB_STRIDE) buffer. */
export function packKnobsTable(knobs: Knobs | Knobs[], size: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(size * KNOB_STRIDE);
  if (Array.isArray(knobs) && knobs.length !== size) {
    throw new RangeError(
      `Invalid knobs: must have one entry per model (${size}): current length is ${knobs.length}`,
    );
  }
  for (let p = 0; p < size; p++) {
    const k = Array.isArray(knobs) ? knobs[p]! : knobs;
    packKnobs(
      k,
      out.subarray(p * KNOB_STRIDE, (p + 1) * KNOB_STRIDE),
      Array.isArray(knobs) ? `knobs[${p}]` : "knobs",
    );
  }
  return out;
}

/**
 * Validates learned-optimizer weights (one row or P rows of LEARNED_STRIDE finite f32) and returns
 * the (P, LEARNED_STRIDE) table.
 */
export function learnedTable(
  weights: Float32Array<ArrayBuffer>,
  size: number,
): Float32Array<ArrayBuffer> {
  if (weights.length !== LEARNED_STRIDE && weights.length !== size * LEARNED_STRIDE) {
    throw new RangeError(
      `Invalid learned-optimizer weights: must have ${LEARNED_STRIDE} or P*${LEARNED_STRIDE} = ${
        size * LEARNED_STRIDE
      } entries: current length is ${weights.length}`,
    );
  }
  if (!weights.every(Number.isFinite)) {
    throw new RangeError("Invalid learned-optimizer weights: every entry must be finite");
  }
  if (weights.length === size * LEARNED_STRIDE) return weights;
  const out = new Float32Array(size * LEARNED_STRIDE);
  for (let p = 0; p < size; p++) out.set(weights, p * LEARNED_STRIDE);
  return out;
}
