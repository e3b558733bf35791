/**
 * What every few-shot meta-learner shares: the learned initialization `theta`, the inner-loop
 * knobs, a host-side Adam for meta-updates, and evaluation of the current initialization by
 * adapting to held-out episodes. Meta-updates run on the host over the (P, stride) rows read back
 * once per meta-iteration; the inner loops run fused on the backend.
 * @module
 */
import type { EpisodePool } from "./episode_pool.ts";
import { type AdaptCurve, type InnerLoop, tileParams } from "./inner_loop.ts";

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
  /** Query accuracy/loss after 0..steps inner steps from the learned initialization. */
  evaluate(pool: EpisodePool, ids: Uint32Array, steps: number): Promise<AdaptCurve>;
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

/** Evaluates an initialization with plain SGD inner steps (shared by every method but Meta-SGD). */
export function evaluateInit(
  loop: InnerLoop,
  theta: Float32Array,
  knobs: MetaKnobs,
  pool: EpisodePool,
  ids: Uint32Array,
  steps: number,
): Promise<AdaptCurve> {
  const params = tileParams(theta, ids.length, loop.layout.stride);
  return loop.curve(pool, ids, params, { lr: knobs.innerLr, steps });
}
