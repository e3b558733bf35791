/**
 * A frozen learned optimizer: its weights, feature normalization and architecture as one JSON
 * file, and the packing into the (LEARNED_STRIDE) row that `Population.setLearnedWeights` uploads.
 * Two kinds:
 *
 * - "lr-scale" (optimizer kind 3): the network reads five features of a model's training state
 *   (see `learnedFeatures` in learners/mlp/mlp_cpu.ts), normalizes them as clamp((f - mean) * scale,
 *   -8, 8), applies 5 -> 8 tanh -> 1 and sets lr_eff = lr * exp(clamp(out, -4, 4)) for a
 *   momentum-SGD update.
 * - "per-param" (optimizer kind 4): per parameter, the network reads (gradient, momentum,
 *   parameter), normalized as clamp(f * scale, -8, 8) (the mean is fixed at 0 by the kernel),
 *   applies 3 -> 8 tanh -> 1 and updates w -= lr * (m + out).
 * @module
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { InputError } from "../core/input_error.ts";
import { readInputJson } from "../core/input_files.ts";
import { rngNormal } from "../core/rng.ts";
import type { Knobs } from "../learners/optimizers/knobs.ts";
import {
  LEARNED,
  LEARNED_FEATURES,
  LEARNED_HIDDEN,
  LEARNED_STRIDE,
} from "../learners/optimizers/knobs.ts";

/** The two learned-optimizer kinds: lr-scale (optimizer kind 3) and per-param (kind 4). */
export type LearnedKind = "lr-scale" | "per-param";

/** The format tag of a saved learned optimizer. */
export const LEARNED_OPTIMIZER_FORMAT = "metaforge-learned-optimizer";
/** Names of the features, in input order. */
export const LEARNED_FEATURE_NAMES: readonly string[] = [
  "log1p_loss",
  "log_loss_ratio",
  "log_grad_norm",
  "log_weight_norm",
  "step_fraction",
];
/** Number of evolvable weights (w1, b1, w2, b2) of the lr-scale kind: the ES search space. */
export const LEARNED_WEIGHT_COUNT: number = LEARNED.b2 + 1;
/** Names of the per-param kind's inputs, in input order. */
export const PER_PARAM_FEATURE_NAMES: readonly string[] = ["gradient", "momentum", "parameter"];
/** Number of evolvable weights (ppW1, ppB1, ppW2, ppB2) of the per-param kind. */
export const PER_PARAM_WEIGHT_COUNT: number = LEARNED.ppB2 - LEARNED.ppW1 + 1;
/**
 * Default per-param input scales (gradient, momentum, parameter): gradients of the small MLPs are
 * ~0.01..0.3 per entry, momenta ~10x that, parameters ~0.1..1.
 */
export const DEFAULT_PER_PARAM_NORMALIZATION: { mean: number[]; scale: number[] } = {
  mean: [0, 0, 0],
  scale: [10, 2, 1],
};

/** Number of evolvable weights of a kind. */
export function learnedWeightCount(kind: LearnedKind): number {
  return kind === "per-param" ? PER_PARAM_WEIGHT_COUNT : LEARNED_WEIGHT_COUNT;
}

/** Default normalization of a kind. */
export function defaultNormalization(kind: LearnedKind): { mean: number[]; scale: number[] } {
  return kind === "per-param" ? DEFAULT_PER_PARAM_NORMALIZATION : DEFAULT_NORMALIZATION;
}

/** The optimizer name (knobs) that runs a kind. */
export function learnedOptimizerName(kind: LearnedKind): "learned" | "learned-per-param" {
  return kind === "per-param" ? "learned-per-param" : "learned";
}

function featureNames(kind: LearnedKind): readonly string[] {
  return kind === "per-param" ? PER_PARAM_FEATURE_NAMES : LEARNED_FEATURE_NAMES;
}

/**
 * Default feature normalization: rough centres and inverse spreads of the raw features of 5-way
 * classification MLPs (log1p loss ~ 0..2, loss ratio ~ +-0.2, log grad norm ~ -5..1, log weight
 * norm ~ 1..3, step fraction 0..1).
 */
export const DEFAULT_NORMALIZATION: { mean: number[]; scale: number[] } = {
  mean: [1, 0, -2, 2, 0.5],
  scale: [1, 5, 0.5, 1, 2],
};

/** A frozen learned optimizer, as saved to JSON. */
export interface LearnedOptimizer {
  /** Always LEARNED_OPTIMIZER_FORMAT. */
  format: typeof LEARNED_OPTIMIZER_FORMAT;
  /** File version (1). */
  version: 1;
  /** Architecture (fixed by the kernel; checked on load). */
  architecture: {
    kind: LearnedKind;
    features: string[];
    hidden: number;
    activation: "tanh";
    output: string;
  };
  /** Feature normalization x = clamp((f - mean) * scale, -8, 8) (per-param: mean all 0). */
  normalization: { mean: number[]; scale: number[] };
  /**
   * Network weights: w1 (hidden, features) row-major, b1 (hidden), w2 (hidden), b2 (features: 5
   * for lr-scale, 3 for per-param).
   */
  weights: { w1: number[]; b1: number[]; w2: number[]; b2: number };
  /** Base hyperparameters it was meta-trained with (lr, momentum, horizon). */
  base: { lr: number; momentum: number; horizon: number };
  /** Free-form provenance (family, generations, meta-loss). */
  info?: Record<string, unknown>;
}

/**
 * Creates a learned optimizer from a flat weight vector (`learnedWeightCount(kind)` values, laid
 * out w1, b1, w2, b2; kind defaults to lr-scale).
 */
export function learnedOptimizerFromWeights(
  theta: ArrayLike<number>,
  base: LearnedOptimizer["base"],
  options: {
    kind?: LearnedKind;
    normalization?: { mean: number[]; scale: number[] };
    info?: Record<string, unknown>;
  } = {},
): LearnedOptimizer {
  const kind = options.kind ?? "lr-scale";
  const D = learnedWeightCount(kind);
  if (theta.length !== D) {
    throw new RangeError(
      `Invalid learned-optimizer weights: must have ${D} values for ${kind}: current length is ${theta.length}`,
    );
  }
  const t = Array.from(theta, Number);
  const norm = options.normalization ?? defaultNormalization(kind);
  const F = featureNames(kind).length;
  const H = LEARNED_HIDDEN;
  return {
    format: LEARNED_OPTIMIZER_FORMAT,
    version: 1,
    architecture: {
      kind,
      features: [...featureNames(kind)],
      hidden: H,
      activation: "tanh",
      output: kind === "per-param"
        ? "w -= lr * (m + out) per parameter, m the momentum"
        : "lr_eff = lr * exp(clamp(out, -4, 4)), momentum SGD",
    },
    normalization: { mean: [...norm.mean], scale: [...norm.scale] },
    weights: {
      w1: t.slice(0, H * F),
      b1: t.slice(H * F, H * F + H),
      w2: t.slice(H * F + H, H * F + 2 * H),
      b2: t[H * F + 2 * H]!,
    },
    base: { ...base },
    ...(options.info ? { info: options.info } : {}),
  };
}

/**
 * Seeded initial weights of a kind (default lr-scale): N(0, std^2) for every weight (std 0 gives
 * plain momentum SGD).
 */
export function initialLearnedWeights(
  seed: number,
  std = 0.01,
  kind: LearnedKind = "lr-scale",
): Float64Array {
  const t = new Float64Array(learnedWeightCount(kind));
  for (let i = 0; i < t.length; i++) t[i] = std * rngNormal(seed, 0x1e4, i);
  return t;
}

/**
 * Packs a flat weight vector and a normalization into one LEARNED_STRIDE row (the lr-scale slots
 * w1..scale, or with `kind: "per-param"` the ppW1..ppScale slots; the rest 0).
 */
export function packLearnedRow(
  theta: ArrayLike<number>,
  normalization: { mean: number[]; scale: number[] } = DEFAULT_NORMALIZATION,
  row: Float32Array = new Float32Array(LEARNED_STRIDE),
  kind: LearnedKind = "lr-scale",
): Float32Array<ArrayBuffer> {
  row.fill(0, 0, LEARNED_STRIDE);
  if (kind === "per-param") {
    for (let i = 0; i < PER_PARAM_WEIGHT_COUNT; i++) row[LEARNED.ppW1 + i] = theta[i]!;
    for (let i = 0; i < PER_PARAM_FEATURE_NAMES.length; i++) {
      row[LEARNED.ppScale + i] = normalization.scale[i]!;
    }
    return row as Float32Array<ArrayBuffer>;
  }
  for (let i = 0; i < LEARNED_WEIGHT_COUNT; i++) row[i] = theta[i]!;
  for (let i = 0; i < LEARNED_FEATURES; i++) {
    row[LEARNED.mean + i] = normalization.mean[i]!;
    row[LEARNED.scale + i] = normalization.scale[i]!;
  }
  return row as Float32Array<ArrayBuffer>;
}

/** The LEARNED_STRIDE row of a frozen learned optimizer (either kind). */
export function learnedOptimizerRow(opt: LearnedOptimizer): Float32Array<ArrayBuffer> {
  return packLearnedRow(
    learnedOptimizerWeights(opt),
    opt.normalization,
    undefined,
    opt.architecture.kind,
  );
}

/** The flat weight vector (`learnedWeightCount(kind)`: w1, b1, w2, b2) of a learned optimizer. */
export function learnedOptimizerWeights(opt: LearnedOptimizer): Float64Array {
  const F = opt.architecture.features.length;
  const H = LEARNED_HIDDEN;
  const t = new Float64Array(learnedWeightCount(opt.architecture.kind));
  t.set(opt.weights.w1, 0);
  t.set(opt.weights.b1, H * F);
  t.set(opt.weights.w2, H * F + H);
  t[H * F + 2 * H] = opt.weights.b2;
  return t;
}

/** The knobs that run a population with a frozen learned optimizer (lr defaults to its base). */
export function learnedKnobs(opt: LearnedOptimizer, overrides: Partial<Knobs> = {}): Knobs {
  return {
    optimizer: learnedOptimizerName(opt.architecture.kind),
    lr: opt.base.lr,
    momentum: opt.base.momentum,
    horizon: opt.base.horizon,
    ...overrides,
  };
}

function numbers(v: unknown, n: number, field: string): number[] {
  if (
    !Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === "number" && isFinite(x))
  ) {
    throw new TypeError(
      `Invalid learned optimizer: ${field} must be ${n} finite numbers: current value is ${
        JSON.stringify(v)?.slice(0, 80)
      }`,
    );
  }
  return v as number[];
}

/** Validates parsed JSON as a learned optimizer (architecture must match the kernel's). */
export function parseLearnedOptimizer(json: unknown): LearnedOptimizer {
  const o = json as LearnedOptimizer;
  if (typeof o !== "object" || o === null || o.format !== LEARNED_OPTIMIZER_FORMAT) {
    throw new TypeError(
      `Invalid learned optimizer: format must be "${LEARNED_OPTIMIZER_FORMAT}"`,
    );
  }
  if (o.version !== 1) {
    throw new RangeError(
      `Invalid learned optimizer: version must be 1: current value is ${o.version}`,
    );
  }
  const a = o.architecture;
  const kind = a?.kind;
  if (
    (kind !== "lr-scale" && kind !== "per-param") || a.hidden !== LEARNED_HIDDEN ||
    a.activation !== "tanh" || JSON.stringify(a.features) !== JSON.stringify(featureNames(kind))
  ) {
    throw new TypeError(
      `Invalid learned optimizer: architecture must be lr-scale ${LEARNED_FEATURES} -> ${LEARNED_HIDDEN} tanh -> 1 with features ${LEARNED_FEATURE_NAMES}, or per-param 3 -> ${LEARNED_HIDDEN} tanh -> 1 with features ${PER_PARAM_FEATURE_NAMES}`,
    );
  }
  const F = featureNames(kind).length;
  const mean = numbers(o.normalization?.mean, F, "normalization.mean");
  numbers(o.normalization?.scale, F, "normalization.scale");
  if (kind === "per-param" && mean.some((v) => v !== 0)) {
    throw new RangeError(
      `Invalid learned optimizer: per-param normalization.mean must be all 0: current value is ${mean}`,
    );
  }
  numbers(o.weights?.w1, LEARNED_HIDDEN * F, "weights.w1");
  numbers(o.weights?.b1, LEARNED_HIDDEN, "weights.b1");
  numbers(o.weights?.w2, LEARNED_HIDDEN, "weights.w2");
  numbers([o.weights?.b2], 1, "weights.b2");
  numbers([o.base?.lr, o.base?.momentum, o.base?.horizon], 3, "base (lr, momentum, horizon)");
  return o;
}

/** Saves a learned optimizer as JSON (atomically). */
export async function saveLearnedOptimizer(path: string, opt: LearnedOptimizer): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(opt, null, 2) + "\n");
}

/**
 * Loads and validates a learned optimizer saved with `saveLearnedOptimizer`; a missing, unreadable,
 * non-JSON or invalid file is a one-line `InputError` naming it (and `kind`, when given, must match).
 */
export async function loadLearnedOptimizer(
  path: string,
  kind?: LearnedKind,
): Promise<LearnedOptimizer> {
  const json = await readInputJson(path, "learned optimizer");
  let opt: LearnedOptimizer;
  try {
    opt = parseLearnedOptimizer(json);
  } catch (error) {
    // parseLearnedOptimizer only validates: its TypeErrors and RangeErrors describe the file.
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    throw new InputError(
      `Invalid learned optimizer "${path}": ${
        error.message.replace(/^Invalid learned optimizer: /, "")
      }`,
      { file: path },
    );
  }
  if (kind !== undefined && opt.architecture.kind !== kind) {
    throw new InputError(
      `Invalid learned optimizer "${path}": architecture.kind must be ${kind} here: current value is ${opt.architecture.kind}`,
      { file: path, field: "architecture.kind" },
    );
  }
  return opt;
}
