/**
 * Reptile (Nichol, Achiam and Schulman, "On First-Order Meta-Learning Algorithms", 2018): adapt
 * a copy of the initialization to each task of a meta-batch with K SGD steps, then move the
 * initialization toward the adapted weights: theta += metaLr * mean_t(theta_t' - theta).
 * The K inner steps of every task run as one population in one submit; one readback per iteration.
 * @module
 */
import type { EpisodePool } from "./episode_pool.ts";
import { type AdaptCurve, type InnerLoop, tileParams } from "./inner_loop.ts";
import { evaluateInit, meanRows, type MetaKnobs, type MetaLearner, norm } from "./meta_learner.ts";

/** Host twin of the Reptile meta-update: theta += metaLr * (mean of finite adapted rows - theta). */
export function reptileUpdate(
  theta: Float32Array,
  adapted: Float32Array,
  P: number,
  stride: number,
  metaLr: number,
  count = stride,
): { updateNorm: number; used: number } {
  const { mean, used } = meanRows(adapted, P, stride, count);
  if (used === 0) return { updateNorm: 0, used };
  const delta = new Float64Array(count);
  for (let i = 0; i < count; i++) delta[i] = metaLr * (mean[i]! - theta[i]!);
  for (let i = 0; i < count; i++) theta[i] = theta[i]! + delta[i]!;
  return { updateNorm: norm(delta), used };
}

/** Reptile meta-learner. */
export class Reptile implements MetaLearner {
  /** "reptile". */
  readonly name = "reptile";
  /** Learned initialization. */
  readonly theta: Float32Array<ArrayBuffer>;
  /** Knobs (metaLr is the interpolation step epsilon). */
  readonly knobs: MetaKnobs;
  #loop: InnerLoop;

  /** Starts from `theta` (copied). */
  constructor(loop: InnerLoop, theta: Float32Array, knobs: MetaKnobs) {
    this.#loop = loop;
    this.theta = Float32Array.from(theta);
    this.knobs = { ...knobs };
  }

  /** One Reptile meta-iteration. */
  async step(pool: EpisodePool, ids: Uint32Array): Promise<Record<string, number>> {
    const { stride, paramCount } = this.#loop.layout;
    const P = ids.length;
    const { pop } = this.#loop.adapt(pool, ids, tileParams(this.theta, P, stride), {
      lr: this.knobs.innerLr,
      steps: this.knobs.innerSteps,
    });
    const adapted = await pop.readParams();
    const r = reptileUpdate(this.theta, adapted, P, stride, this.knobs.metaLr, paramCount);
    return { update_norm: r.updateNorm, tasks_used: r.used };
  }

  /** Adapts from theta with SGD at innerLr. */
  evaluate(pool: EpisodePool, ids: Uint32Array, steps: number): Promise<AdaptCurve> {
    return evaluateInit(this.#loop, this.theta, this.knobs, pool, ids, steps);
  }
}
