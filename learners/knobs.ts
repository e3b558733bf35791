/**
 * Per-model hyperparameters ("knobs"): one row of KNOB_STRIDE f32 per model in a buffer, so that
 * every model of a population can train with its own learning rate, optimizer and regularization
 * in the same dispatch.
 *
 * Row layout (f32 index: field): 0 lr, 1 momentum, 2 beta1, 3 beta2, 4 eps, 5 weightDecay,
 * 6 clipNorm (0 = no clipping), 7 optimizer (0 sgd, 1 momentum, 2 adam), 8..15 reserved (0).
 * @module
 */

/** Optimizer kinds, with their code in the knobs row. */
export const OPTIMIZERS = { sgd: 0, momentum: 1, adam: 2 } as const;
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
} as const;

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
      `Invalid knob ${field}.optimizer: must be sgd, momentum or adam: current value is ${opt}`,
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
  };
  check(`${field}.lr`, v.lr, 0, 100);
  check(`${field}.momentum`, v.momentum, 0, 1, false, true);
  check(`${field}.beta1`, v.beta1, 0, 1, false, true);
  check(`${field}.beta2`, v.beta2, 0, 1, false, true);
  check(`${field}.eps`, v.eps, 0, 1, true);
  check(`${field}.weightDecay`, v.weightDecay, 0, 10);
  check(`${field}.clipNorm`, v.clipNorm, 0, 1e6);
  row.fill(0);
  row[KNOB.lr] = v.lr;
  row[KNOB.momentum] = v.momentum;
  row[KNOB.beta1] = v.beta1;
  row[KNOB.beta2] = v.beta2;
  row[KNOB.eps] = v.eps;
  row[KNOB.weightDecay] = v.weightDecay;
  row[KNOB.clipNorm] = v.clipNorm;
  row[KNOB.optimizer] = OPTIMIZERS[opt];
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
