/**
 * ES-MAML (Song et al., "ES-MAML: Simple Hessian-Free Meta Learning", ICLR 2020), zero-order
 * variant: a population of antithetic perturbations theta +- sigma*eps_j of the initialization,
 * pair j adapted to task j of the meta-batch with K SGD steps and scored by its query loss, all
 * 2n models in one dispatch. ES gradient of the adapted query loss:
 * g = sum_j (L(theta + sigma eps_j) - L(theta - sigma eps_j)) eps_j / (2 n sigma), applied with Adam
 * on the host (`esMamlUpdateCpu`, the twin of `shaders/meta_es_maml_update.wgsl`): the losses come
 * back from the evaluation anyway, and the host step gives the logged norm without a second pass.
 * @module
 */
import { deriveSeed, Rng } from "../../core/rng.ts";
import type { EpisodePool } from "./episode_pool.ts";
import type { AdaptCurve, InnerLoop } from "./inner_loop.ts";
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
import { esMamlUpdateCpu } from "../../learners/meta_train/meta_es_maml_update.ts";

/** ES-MAML options besides the knobs. */
export interface EsMamlOptions {
  /** Perturbation scale sigma (default 0.02). */
  sigma?: number;
  /** Seed of the perturbations (default 0). */
  seed?: number;
}

/** ES-MAML meta-learner: `ids.length` tasks, one antithetic pair per task. */
export class EsMaml implements MetaLearner {
  /** "es-maml". */
  readonly name = "es-maml";
  /** Learned initialization. */
  readonly theta: Float32Array<ArrayBuffer>;
  /** Knobs. */
  readonly knobs: MetaKnobs;
  /** Perturbation scale. */
  readonly sigma: number;
  #loop: InnerLoop;
  #moments: Float32Array<ArrayBuffer>;
  #t = 0;
  #rng: Rng;

  /** Starts from `theta` (copied). */
  constructor(
    loop: InnerLoop,
    theta: Float32Array,
    knobs: MetaLearnerOptions,
    options: EsMamlOptions = {},
  ) {
    this.#loop = loop;
    this.theta = startTheta(theta, knobs);
    this.knobs = pickKnobs(knobs);
    this.sigma = options.sigma ?? knobs.sigma ?? 0.02;
    this.#moments = new Float32Array(2 * theta.length);
    this.#rng = new Rng(deriveSeed(options.seed ?? knobs.seed ?? 0, "es-maml"));
  }

  /** One ES-MAML iteration; returns the mean adapted query loss and accuracy of the perturbed pairs. */
  async step(pool: EpisodePool, ids: Uint32Array): Promise<Record<string, number>> {
    const { stride, paramCount } = this.#loop.layout;
    const n = ids.length;
    const noise = new Float32Array(n * paramCount);
    for (let i = 0; i < noise.length; i++) noise[i] = this.#rng.normal();
    const params = new Float32Array(2 * n * stride);
    const pairIds = new Uint32Array(2 * n);
    for (let j = 0; j < n; j++) {
      pairIds[2 * j] = pairIds[2 * j + 1] = ids[j]!;
      for (let i = 0; i < paramCount; i++) {
        const e = this.sigma * noise[j * paramCount + i]!;
        params[2 * j * stride + i] = this.theta[i]! + e;
        params[(2 * j + 1) * stride + i] = this.theta[i]! - e;
      }
    }
    const { pop, gathered } = this.#loop.adapt(pool, pairIds, params, {
      lr: this.knobs.innerLr,
      steps: this.knobs.innerSteps,
    });
    const ev = await pop.evaluate(pool.data, gathered.query);
    const o = {
      count: paramCount,
      pairs: n,
      sigma: this.sigma,
      lr: this.knobs.metaLr,
      t: ++this.#t,
    };
    const g = esMamlUpdateCpu(
      { losses: ev.loss, noise, theta: this.theta, moments: this.#moments },
      o,
    );
    let loss = 0;
    let acc = 0;
    for (let p = 0; p < 2 * n; p++) (loss += ev.loss[p]!, acc += ev.accuracy[p]!);
    return { query_loss: loss / (2 * n), query_accuracy: acc / (2 * n), es_grad_norm: norm(g) };
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
