/**
 * The shared body of the meta-learners whose meta-iteration is one of the backend's meta loops
 * (Reptile, FOMAML, MAML, ES-MAML, Meta-SGD, ProtoNet): the learned initialization, the knobs,
 * `step` and `train` on the loop (meta/few_shot/loop_runner.ts) and evaluation by plain SGD from
 * theta. A subclass names the method and the paper, and overrides `evaluate` when it adapts
 * otherwise (Meta-SGD's learned rates, ProtoNet's prototypes).
 * @module
 */
import type { MetaLoopMethod } from "../../learners/meta_train/meta_loop.ts";
import type { EpisodePool } from "./episode_pool.ts";
import type { AdaptCurve, InnerLoop } from "./inner_loop.ts";
import { LoopRunner, type LoopRunnerExtras } from "./loop_runner.ts";
import {
  evaluateInit,
  type MetaKnobs,
  type MetaLearner,
  type MetaLearnerOptions,
  type MetaLearnerState,
  type MetaLearnerTrainOptions,
  type MetaLearnerTrainResult,
  pickKnobs,
  startTheta,
} from "./meta_learner.ts";

/** A meta-learner run by the backend's meta loop. */
export abstract class LoopMetaLearner implements MetaLearner {
  /** Method name. */
  abstract readonly name: string;
  /** Learned initialization. */
  readonly theta: Float32Array<ArrayBuffer>;
  /** Knobs. */
  readonly knobs: MetaKnobs;
  /** The inner loop the learner adapts and evaluates with. */
  protected readonly inner: InnerLoop;
  #runner: LoopRunner;

  /** Starts from `theta` (copied, times options.initScale); `method` is the loop's method. */
  constructor(
    loop: InnerLoop,
    theta: Float32Array,
    options: MetaLearnerOptions,
    method: MetaLoopMethod,
    extras: LoopRunnerExtras = {},
  ) {
    this.inner = loop;
    this.theta = startTheta(theta, options);
    this.knobs = pickKnobs(options);
    const all = options.headReset ? { ...extras, headReset: true } : extras;
    this.#runner = new LoopRunner(loop, method, this.theta, this.knobs, all);
  }

  /** One meta-iteration on episodes `ids` (one read); returns its metrics row. */
  step(pool: EpisodePool, ids: Uint32Array): Promise<Record<string, number>> {
    return this.#runner.step(pool, ids);
  }

  /** Meta-trains on the backend's loop (see MetaLearner.train). */
  train(pool: EpisodePool, options: MetaLearnerTrainOptions): Promise<MetaLearnerTrainResult> {
    return this.#runner.train(pool, options);
  }

  /** A copy of the training state (theta, Adam moments and step; Meta-SGD's rates). */
  saveState(): MetaLearnerState {
    return this.#runner.saveState();
  }

  /** Continues from a state `saveState` returned. */
  loadState(state: MetaLearnerState): void {
    this.#runner.loadState(state);
  }

  /** Adapts from theta with SGD at innerLr. */
  evaluate(pool: EpisodePool, ids: Uint32Array, steps: number): Promise<AdaptCurve> {
    return evaluateInit(this.inner, this.theta, this.knobs, pool, ids, steps);
  }
}
