/**
 * First-order MAML (Finn, Abbeel and Levine, "Model-Agnostic Meta-Learning for Fast Adaptation of
 * Deep Networks", ICML 2017, section 5.2): adapt to each task's support set with K SGD steps, take
 * the gradient of the query loss at the adapted weights and apply the meta-batch mean to the
 * initialization (Adam). Every meta-iteration runs in the backend's meta loop
 * (learners/meta_train/meta_loop.ts: batch slots 0..K-1 hold the support set, slot K the query set,
 * so the gradient after K steps is the query gradient; the Adam update in
 * `shaders/meta_fomaml_update.wgsl` with its moments resident, its CPU twin on the CPU backend).
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

/** First-order MAML meta-learner. */
export class Fomaml implements MetaLearner {
  /** "fomaml". */
  readonly name = "fomaml";
  /** Learned initialization. */
  readonly theta: Float32Array<ArrayBuffer>;
  /** Knobs. */
  readonly knobs: MetaKnobs;
  #loop: InnerLoop;
  #runner: LoopRunner;

  /** Starts from `theta` (copied, times options.initScale). */
  constructor(loop: InnerLoop, theta: Float32Array, options: MetaLearnerOptions) {
    this.#loop = loop;
    this.theta = startTheta(theta, options);
    this.knobs = pickKnobs(options);
    this.#runner = new LoopRunner(loop, "fomaml", this.theta, this.knobs);
  }

  /** One FOMAML meta-iteration; returns the mean query loss, meta_grad_norm and tasks_used. */
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
