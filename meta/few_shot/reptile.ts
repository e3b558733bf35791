/**
 * Reptile (Nichol, Achiam and Schulman, "On First-Order Meta-Learning Algorithms", 2018): adapt
 * a copy of the initialization to each task of a meta-batch with K SGD steps, then move the
 * initialization toward the adapted weights: theta += metaLr * mean_t(theta_t' - theta).
 * Every meta-iteration runs in the backend's meta loop (learners/meta_train/meta_loop.ts: the
 * inner loops of the whole meta-batch as one population, the update in
 * `shaders/meta_reptile_update.wgsl` on a GPU, its CPU twin on the CPU backend).
 * @module
 */
import type { EpisodePool } from "./episode_pool.ts";
import type { AdaptCurve, InnerLoop } from "./inner_loop.ts";
import { LoopRunner } from "./loop_runner.ts";
import {
  evaluateInit,
  type MetaKnobs,
  type MetaLearner,
  type MetaLearnerOptions,
  type MetaLearnerTrainOptions,
  type MetaLearnerTrainResult,
  pickKnobs,
  startTheta,
} from "./meta_learner.ts";

/** Reptile meta-learner. */
export class Reptile implements MetaLearner {
  /** "reptile". */
  readonly name = "reptile";
  /** Learned initialization. */
  readonly theta: Float32Array<ArrayBuffer>;
  /** Knobs (metaLr is the interpolation step epsilon). */
  readonly knobs: MetaKnobs;
  #loop: InnerLoop;
  #runner: LoopRunner;

  /** Starts from `theta` (copied, times options.initScale). */
  constructor(loop: InnerLoop, theta: Float32Array, options: MetaLearnerOptions) {
    this.#loop = loop;
    this.theta = startTheta(theta, options);
    this.knobs = pickKnobs(options);
    this.#runner = new LoopRunner(loop, "reptile", this.theta, this.knobs);
  }

  /** One Reptile meta-iteration; returns update_norm (|theta change|) and tasks_used. */
  step(pool: EpisodePool, ids: Uint32Array): Promise<Record<string, number>> {
    return this.#runner.step(pool, ids);
  }

  /** Meta-trains on the backend's loop (see MetaLearner.train). */
  train(pool: EpisodePool, options: MetaLearnerTrainOptions): Promise<MetaLearnerTrainResult> {
    return this.#runner.train(pool, options);
  }

  /** Adapts from theta with SGD at innerLr. */
  evaluate(pool: EpisodePool, ids: Uint32Array, steps: number): Promise<AdaptCurve> {
    return evaluateInit(this.#loop, this.theta, this.knobs, pool, ids, steps);
  }
}
