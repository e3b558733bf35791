/**
 * Reptile (Nichol, Achiam and Schulman, "On First-Order Meta-Learning Algorithms", 2018): adapt
 * a copy of the initialization to each task of a meta-batch with K SGD steps, then move the
 * initialization toward the adapted weights: theta += metaLr * mean_t(theta_t' - theta).
 * The K inner steps of every task run as one population in one submit. On a GPU backend the
 * meta-update runs in `shaders/meta_reptile_update.wgsl` on the population's parameter buffer (no
 * readback of the adapted rows; theta, one row, goes up and comes back); elsewhere its CPU twin.
 * @module
 */
import { GpuPopulation } from "../../learners/gpu/gpu_backend.ts";
import type { EpisodePool } from "./episode_pool.ts";
import { type AdaptCurve, type InnerLoop, tileParams } from "./inner_loop.ts";
import {
  evaluateInit,
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
import { flagRows, GpuMirror } from "./_meta_kernel.ts";
import { reptileUpdateCpu, reptileUpdateGpu } from "./meta_reptile_update.ts";

/** Reptile meta-learner. */
export class Reptile implements MetaLearner {
  /** "reptile". */
  readonly name = "reptile";
  /** Learned initialization. */
  readonly theta: Float32Array<ArrayBuffer>;
  /** Knobs (metaLr is the interpolation step epsilon). */
  readonly knobs: MetaKnobs;
  #loop: InnerLoop;
  #gpuTheta: GpuMirror | null = null;

  /** Starts from `theta` (copied). */
  constructor(loop: InnerLoop, theta: Float32Array, knobs: MetaLearnerOptions) {
    this.#loop = loop;
    this.theta = startTheta(theta, knobs);
    this.knobs = pickKnobs(knobs);
  }

  /** One Reptile meta-iteration. */
  async step(pool: EpisodePool, ids: Uint32Array): Promise<Record<string, number>> {
    const { stride, paramCount } = this.#loop.layout;
    const P = ids.length;
    const { pop } = this.#loop.adapt(pool, ids, tileParams(this.theta, P, stride), {
      lr: this.knobs.innerLr,
      steps: this.knobs.innerSteps,
    });
    const before = Float64Array.from(this.theta.subarray(0, paramCount));
    const o = { count: paramCount, models: P, rowStride: stride, metaLr: this.knobs.metaLr };
    const flags = (await pop.readMetrics()).diverged;
    let used = flags.reduce((a, f) => a + (f ? 0 : 1), 0);
    if (pop instanceof GpuPopulation) {
      this.#gpuTheta ??= new GpuMirror(pop.ctx, this.theta.length, "reptile-theta");
      this.#gpuTheta.write(this.theta);
      const b = { adapted: pop.params, metrics: pop.metrics, theta: this.#gpuTheta.buffer };
      await reptileUpdateGpu(pop.ctx, b, o);
      await this.#gpuTheta.read(this.theta);
    } else {
      const metrics = flagRows([], P, stride, 0, flags);
      used = reptileUpdateCpu({ adapted: await pop.readParams(), metrics, theta: this.theta }, o);
    }
    for (let i = 0; i < paramCount; i++) before[i] = this.theta[i]! - before[i]!;
    return { update_norm: norm(before), tasks_used: used };
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
