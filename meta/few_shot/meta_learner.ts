/**
 * What every few-shot meta-learner shares: the learned initialization `theta`, the inner-loop
 * knobs, a host-side Adam for meta-updates, and evaluation of the current initialization by
 * adapting to held-out episodes. Meta-updates run on the host over the (P, stride) rows read back
 * once per meta-iteration; the inner loops run fused on the backend.
 * @module
 */
import type { ProtonetDistance } from "../../learners/meta_train/mod.ts";
import type { EpisodePool } from "./episode_pool.ts";
import type { AdaptCurve, InnerLoop } from "./inner_loop.ts";
import type { FewShotMetric } from "./metric.ts";

/** The host Adam of meta-updates, re-exported from its home in learners/optimizers/host_adam.ts. */
export { HostAdam } from "../../learners/optimizers/host_adam.ts";

/** Inner-loop and outer-loop knobs of a meta-learner. */
export interface MetaKnobs {
  /** Inner SGD learning rate. */
  innerLr: number;
  /** Inner SGD steps on the support set. */
  innerSteps: number;
  /** Outer (meta) learning rate. */
  metaLr: number;
}

/**
 * Options every registered meta-learner's constructor takes (see meta/few_shot/registry.ts): the
 * knobs plus optional method settings; a method ignores the settings it has no use for.
 */
export interface MetaLearnerOptions extends MetaKnobs {
  /** Multiplies the starting initialization theta (He/Xavier rows) once, at construction (default 1). */
  initScale?: number;
  /** MAML only: true drops the second-order terms (first-order MAML); default false. */
  firstOrder?: boolean;
  /** ES-MAML: perturbation scale sigma (default 0.02). */
  sigma?: number;
  /** ES-MAML: seed of the perturbations (default 0). */
  seed?: number;
  /** Meta-SGD: upper clamp of the learned inner rates (default 10 * innerLr). */
  alphaMax?: number;
  /** ProtoNet: the distance of queries to prototypes (default Euclidean, scale 1). */
  distance?: ProtonetDistance;
  /**
   * Loop-run learners: true sets theta's output layer to zero after every meta-update
   * (MetaLoopSpec.headReset; Kao et al. 2022's zeroing trick); default false.
   */
  headReset?: boolean;
}

/** Validation of `MetaLearner.train`: adapt to fixed held-out episodes and score the query sets. */
export interface MetaValidation {
  /** Pool of the validation episodes. */
  pool: EpisodePool;
  /** Episode ids of `pool` evaluated at every validation point. */
  ids: Uint32Array;
  /** "accuracy": mean query accuracy (classification); "loss": mean query loss (regression). */
  metric: FewShotMetric;
  /** Inner steps of the evaluation (default the learner's knobs.innerSteps). */
  steps?: number;
}

/** Options of `MetaLearner.train`. */
export interface MetaLearnerTrainOptions {
  /** Meta-iterations to run (>= 1). */
  iterations: number;
  /** Episodes per meta-iteration (>= 1). */
  metaBatch: number;
  /**
   * Seed of the episode ids: `rng = new Rng(seed)`, then each iteration draws `metaBatch` ids with
   * `rng.int(pool.size)` in order (the same ids as a loop of `step` fed that way).
   */
  seed: number;
  /** A row is logged (and validation run) every `validateEvery` iterations and after the last. */
  validateEvery: number;
  /** Held-out episodes scored at every logged point (no `val_query` column without it). */
  validation?: MetaValidation;
}

/** What `MetaLearner.train` returns. */
export interface MetaLearnerTrainResult {
  /**
   * One row per logged point, in order: `iteration` (1-based, after that many meta-iterations),
   * `val_query` (the validation metric, when validation is given) and the method's metrics of
   * that iteration (the columns `step` returns).
   */
  rows: Record<string, number>[];
  /** Wall-clock seconds of meta-training, validation excluded. */
  seconds: number;
  /** iterations / seconds. */
  itersPerSecond: number;
}

/**
 * A meta-learner's training state between calls of `train`: with its construction options it
 * continues meta-training exactly (a checkpoint inside a method's meta-training saves it).
 */
export interface MetaLearnerState {
  /** The learned initialization. */
  theta: Float32Array;
  /** Optimizer moments (Adam m and v; empty where the method has none). */
  moments: Float32Array;
  /** Optimizer steps taken (ES-MAML's perturbations are drawn from it too). */
  t: number;
  /** Meta-SGD: the learned per-parameter inner rates. */
  alpha?: Float32Array;
}

/** A meta-learner of an initialization for few-shot adaptation. */
export interface MetaLearner {
  /** Method name. */
  readonly name: string;
  /** The learned initialization (length stride). */
  readonly theta: Float32Array<ArrayBuffer>;
  /** Current knobs. */
  readonly knobs: MetaKnobs;
  /** One meta-iteration on the meta-batch `ids` of `pool`; returns one metrics row. */
  step(pool: EpisodePool, ids: Uint32Array): Promise<Record<string, number>>;
  /**
   * Runs `options.iterations` meta-iterations on episodes of `pool` drawn from `options.seed`,
   * validating every `validateEvery` iterations and after the last; the learner's state (theta,
   * optimizer moments) carries over between calls. The contract of the experiments: a call gives
   * the same theta as the matching loop of `step` (up to float rounding where a backend runs the
   * loop on the device).
   */
  train(pool: EpisodePool, options: MetaLearnerTrainOptions): Promise<MetaLearnerTrainResult>;
  /** Query accuracy/loss after 0..steps inner steps from the learned initialization. */
  evaluate(pool: EpisodePool, ids: Uint32Array, steps: number): Promise<AdaptCurve>;
  /** A copy of the training state (absent: the learner cannot be checkpointed mid-training). */
  saveState?(): MetaLearnerState;
  /** Continues from a state `saveState` returned (a learner built with the same options). */
  loadState?(state: MetaLearnerState): void;
}

/** The He/Xavier initialization of model 0 for `seed`, as one row of length stride. */
export async function initialTheta(
  loop: InnerLoop,
  seed: number,
): Promise<Float32Array<ArrayBuffer>> {
  const pop = loop.population(1);
  pop.init(seed);
  return Float32Array.from(await pop.readParams());
}

/** Mean over models of rows (P, stride), skipping rows with a non-finite entry; also the count used. */
export function meanRows(
  rows: Float32Array,
  P: number,
  stride: number,
  count = stride,
): { mean: Float64Array; used: number } {
  const mean = new Float64Array(stride);
  let used = 0;
  for (let p = 0; p < P; p++) {
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = Number.isFinite(rows[p * stride + i]!);
    if (!ok) continue;
    used++;
    for (let i = 0; i < count; i++) mean[i] = mean[i]! + rows[p * stride + i]!;
  }
  if (used > 0) { for (let i = 0; i < count; i++) mean[i] = mean[i]! / used; }
  return { mean, used };
}

/** L2 norm of the first `count` entries. */
export function norm(v: ArrayLike<number>, count = v.length): number {
  let s = 0;
  for (let i = 0; i < count; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/**
 * Evaluates an initialization with plain SGD inner steps (shared by every method but Meta-SGD);
 * theta is tiled one chunk of InnerLoop.curve at a time, never for every model at once.
 */
export function evaluateInit(
  loop: InnerLoop,
  theta: Float32Array,
  knobs: MetaKnobs,
  pool: EpisodePool,
  ids: Uint32Array,
  steps: number,
): Promise<AdaptCurve> {
  return loop.curve(pool, ids, { tile: theta }, { lr: knobs.innerLr, steps });
}

/** A copy of the starting initialization `theta`, times `options.initScale` (default 1). */
export function startTheta(
  theta: Float32Array,
  options: { initScale?: number },
): Float32Array<ArrayBuffer> {
  const s = options.initScale ?? 1;
  if (!Number.isFinite(s) || s <= 0) {
    throw new RangeError(
      `Cannot create meta-learner as initScale must be > 0: current value is ${s}`,
    );
  }
  const out = Float32Array.from(theta);
  if (s !== 1) { for (let i = 0; i < out.length; i++) out[i] = out[i]! * s; }
  return out;
}

/** The three knobs of `options` (a copy without the method settings). */
export function pickKnobs(options: MetaKnobs): MetaKnobs {
  return { innerLr: options.innerLr, innerSteps: options.innerSteps, metaLr: options.metaLr };
}
