/**
 * First-order MAML (Finn, Abbeel and Levine, "Model-Agnostic Meta-Learning for Fast Adaptation of
 * Deep Networks", ICML 2017, section 5.2): adapt to each task's support set with K SGD steps, take
 * the gradient of the query loss at the adapted weights and apply the meta-batch mean to the
 * initialization (Adam). The K support steps and the query gradient of every task of a meta-batch
 * run in one population: batch slots 0..K-1 hold the support set, slot K the query set, so the
 * gradient after K steps is the query gradient. On a GPU backend the Adam meta-update runs in
 * `shaders/meta_fomaml_update.wgsl` on the query gradients left in the population's scratch buffer,
 * with Adam's moments kept on the GPU; elsewhere its CPU twin `fomamlUpdateCpu`.
 * @module
 */
import type { EpisodePool } from "./episode_pool.ts";
import { type AdaptCurve, type InnerLoop, tileParams } from "./inner_loop.ts";
import {
  evaluateInit,
  meanRows,
  type MetaKnobs,
  type MetaLearner,
  type MetaLearnerOptions,
  type MetaLearnerTrainOptions,
  type MetaLearnerTrainResult,
  norm,
  pickKnobs,
  startTheta,
} from "./meta_learner.ts";
import { trainBySteps } from "./train_by_steps.ts";
import { GpuPopulation } from "../../learners/gpu/gpu_backend.ts";
import { flagRows, GpuMirror } from "./_meta_kernel.ts";
import { fomamlUpdateCpu, fomamlUpdateGpu } from "./meta_fomaml_update.ts";

/** First-order MAML meta-learner. */
export class Fomaml implements MetaLearner {
  /** "fomaml". */
  readonly name = "fomaml";
  /** Learned initialization. */
  readonly theta: Float32Array<ArrayBuffer>;
  /** Knobs. */
  readonly knobs: MetaKnobs;
  #loop: InnerLoop;
  #moments: Float32Array<ArrayBuffer>;
  #t = 0;
  #gpu: { theta: GpuMirror; moments: GpuMirror } | null = null;

  /** Starts from `theta` (copied). */
  constructor(loop: InnerLoop, theta: Float32Array, knobs: MetaLearnerOptions) {
    this.#loop = loop;
    this.theta = startTheta(theta, knobs);
    this.knobs = pickKnobs(knobs);
    this.#moments = new Float32Array(2 * theta.length);
  }

  /** One FOMAML meta-iteration; returns the mean query batch loss before the update. */
  async step(pool: EpisodePool, ids: Uint32Array): Promise<Record<string, number>> {
    const { stride, paramCount } = this.#loop.layout;
    const P = ids.length;
    const { pop } = this.#loop.adapt(pool, ids, tileParams(this.theta, P, stride), {
      lr: this.knobs.innerLr,
      steps: this.knobs.innerSteps,
      querySlot: true,
    });
    const g = await pop.gradients(pool.data);
    const { mean } = meanRows(g.grads, P, stride, paramCount);
    const flags = g.diverged;
    let used = flags.reduce((a, f) => a + (f ? 0 : 1), 0);
    const o = {
      count: paramCount,
      models: P,
      rowStride: stride,
      lr: this.knobs.metaLr,
      t: ++this.#t,
      vOffset: this.theta.length,
    };
    if (pop instanceof GpuPopulation) {
      this.#gpu ??= {
        theta: new GpuMirror(pop.ctx, this.theta.length, "fomaml-theta"),
        moments: new GpuMirror(pop.ctx, this.#moments.length, "fomaml-moments"),
      };
      this.#gpu.theta.write(this.theta);
      await fomamlUpdateGpu(pop.ctx, {
        grads: pop.gradientBuffer,
        metrics: pop.metrics,
        theta: this.#gpu.theta.buffer,
        moments: this.#gpu.moments.buffer,
      }, o);
      await this.#gpu.theta.read(this.theta);
    } else {
      const metrics = flagRows([], P, stride, 0, flags);
      used = fomamlUpdateCpu({
        grads: g.grads,
        metrics,
        theta: this.theta,
        moments: this.#moments,
      }, o);
    }
    let loss = 0;
    let n = 0;
    for (const l of g.loss) if (Number.isFinite(l)) (loss += l, n++);
    return {
      query_loss: n ? loss / n : NaN,
      meta_grad_norm: norm(mean, paramCount),
      tasks_used: used,
    };
  }

  /** Meta-trains by looping `step` (see MetaLearner.train). */
  train(pool: EpisodePool, options: MetaLearnerTrainOptions): Promise<MetaLearnerTrainResult> {
    return trainBySteps(this, pool, options);
  }

  /** Adapts from theta with SGD at innerLr. */
  evaluate(pool: EpisodePool, ids: Uint32Array, steps: number): Promise<AdaptCurve> {
    return evaluateInit(this.#loop, this.theta, this.knobs, pool, ids, steps);
  }
}
