/**
 * A frozen learned optimizer (the learning-rate-scale meta-network of optimizer kind 3): its
 * weights, feature normalization and architecture as one JSON file, and the packing into the
 * (LEARNED_STRIDE) row that `Population.setLearnedWeights` uploads.
 *
 * The network reads five features of a model's training state (see `learnedFeatures` in
 * learners/mlp_cpu.ts), normalizes them as clamp((f - mean) * scale, -8, 8), applies 5 -> 8 tanh
 * -> 1 and sets lr_eff = lr * exp(clamp(out, -4, 4)) for a momentum-SGD update.
 * @module
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { rngNormal } from "../core/rng.ts";
import type { Knobs } from "../learners/knobs.ts";
import { LEARNED, LEARNED_FEATURES, LEARNED_HIDDEN, LEARNED_STRIDE } from "../learners/knobs.ts";

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
/** Number of evolvable weights (w1, b1, w2, b2): the ES search space. */
export const LEARNED_WEIGHT_COUNT = LEARNED.b2 + 1;

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
    kind: "lr-scale";
    features: string[];
    hidden: number;
    activation: "tanh";
    output: string;
  };
  /** Feature normalization x = clamp((f - mean) * scale, -8, 8). */
  normalization: { mean: number[]; scale: number[] };
  /** Network weights: w1 (hidden, features) row-major, b1 (hidden), w2 (hidden), b2. */
  weights: { w1: number[]; b1: number[]; w2: number[]; b2: number };
  /** Base hyperparameters it was meta-trained with (lr, momentum, horizon). */
  base: { lr: number; momentum: number; horizon: number };
  /** Free-form provenance (family, generations, meta-loss). */
  info?: Record<string, unknown>;
}

/** Creates a learned optimizer from a flat weight vector (LEARNED_WEIGHT_COUNT values). */
export function learnedOptimizerFromWeights(
  theta: ArrayLike<number>,
  base: LearnedOptimizer["base"],
  options: { normalization?: { mean: number[]; scale: number[] }; info?: Record<string, unknown> } =
    {},
): LearnedOptimizer {
  if (theta.length !== LEARNED_WEIGHT_COUNT) {
    throw new RangeError(
      `Invalid learned-optimizer weights: must have ${LEARNED_WEIGHT_COUNT} values: current length is ${theta.length}`,
    );
  }
  const t = Array.from(theta, Number);
  const norm = options.normalization ?? DEFAULT_NORMALIZATION;
  return {
    format: LEARNED_OPTIMIZER_FORMAT,
    version: 1,
    architecture: {
      kind: "lr-scale",
      features: [...LEARNED_FEATURE_NAMES],
      hidden: LEARNED_HIDDEN,
      activation: "tanh",
      output: "lr_eff = lr * exp(clamp(out, -4, 4)), momentum SGD",
    },
    normalization: { mean: [...norm.mean], scale: [...norm.scale] },
    weights: {
      w1: t.slice(LEARNED.w1, LEARNED.b1),
      b1: t.slice(LEARNED.b1, LEARNED.w2),
      w2: t.slice(LEARNED.w2, LEARNED.b2),
      b2: t[LEARNED.b2]!,
    },
    base: { ...base },
    ...(options.info ? { info: options.info } : {}),
  };
}

/** Seeded initial weights: N(0, std^2) for every weight (std 0 gives plain momentum SGD). */
export function initialLearnedWeights(seed: number, std = 0.01): Float64Array {
  const t = new Float64Array(LEARNED_WEIGHT_COUNT);
  for (let i = 0; i < t.length; i++) t[i] = std * rngNormal(seed, 0x1e4, i);
  return t;
}

/** Packs a flat weight vector and a normalization into one LEARNED_STRIDE row. */
export function packLearnedRow(
  theta: ArrayLike<number>,
  normalization: { mean: number[]; scale: number[] } = DEFAULT_NORMALIZATION,
  row: Float32Array = new Float32Array(LEARNED_STRIDE),
): Float32Array<ArrayBuffer> {
  row.fill(0);
  for (let i = 0; i < LEARNED_WEIGHT_COUNT; i++) row[i] = theta[i]!;
  for (let i = 0; i < LEARNED_FEATURES; i++) {
    row[LEARNED.mean + i] = normalization.mean[i]!;
    row[LEARNED.scale + i] = normalization.scale[i]!;
  }
  return row as Float32Array<ArrayBuffer>;
}

/** The LEARNED_STRIDE row of a frozen learned optimizer. */
export function learnedOptimizerRow(opt: LearnedOptimizer): Float32Array<ArrayBuffer> {
  return packLearnedRow(learnedOptimizerWeights(opt), opt.normalization);
}

/** The flat weight vector (LEARNED_WEIGHT_COUNT) of a frozen learned optimizer. */
export function learnedOptimizerWeights(opt: LearnedOptimizer): Float64Array {
  const t = new Float64Array(LEARNED_WEIGHT_COUNT);
  t.set(opt.weights.w1, LEARNED.w1);
  t.set(opt.weights.b1, LEARNED.b1);
  t.set(opt.weights.w2, LEARNED.w2);
  t[LEARNED.b2] = opt.weights.b2;
  return t;
}

/** The knobs that run a population with a frozen learned optimizer (lr defaults to its base). */
export function learnedKnobs(opt: LearnedOptimizer, overrides: Partial<Knobs> = {}): Knobs {
  return {
    optimizer: "learned",
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
  if (
    a?.kind !== "lr-scale" || a.hidden !== LEARNED_HIDDEN || a.activation !== "tanh" ||
    JSON.stringify(a.features) !== JSON.stringify(LEARNED_FEATURE_NAMES)
  ) {
    throw new TypeError(
      `Invalid learned optimizer: architecture must be lr-scale ${LEARNED_FEATURES} -> ${LEARNED_HIDDEN} tanh -> 1 with features ${LEARNED_FEATURE_NAMES}`,
    );
  }
  numbers(o.normalization?.mean, LEARNED_FEATURES, "normalization.mean");
  numbers(o.normalization?.scale, LEARNED_FEATURES, "normalization.scale");
  numbers(o.weights?.w1, LEARNED_HIDDEN * LEARNED_FEATURES, "weights.w1");
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

/** Loads and validates a learned optimizer saved with `saveLearnedOptimizer`. */
export async function loadLearnedOptimizer(path: string): Promise<LearnedOptimizer> {
  return parseLearnedOptimizer(JSON.parse(await Deno.readTextFile(path)));
}
