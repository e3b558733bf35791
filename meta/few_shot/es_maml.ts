/**
 * ES-MAML (Song et al., "ES-MAML: Simple Hessian-Free Meta Learning", ICLR 2020), zero-order
 * variant: a population of antithetic perturbations theta +- sigma*eps_j of the initialization,
 * pair j adapted to task j of the meta-batch with K SGD steps and scored by its query loss, all
 * 2n models in one dispatch. ES gradient of the adapted query loss:
 * g = sum_j (L(theta + sigma eps_j) - L(theta - sigma eps_j)) eps_j / (2 n sigma), applied with Adam.
 * @module
 */
import { deriveSeed, Rng } from "../../core/rng.ts";
import type { EpisodePool } from "./episode_pool.ts";
import type { AdaptCurve, InnerLoop } from "./inner_loop.ts";
import { evaluateInit, HostAdam, type MetaKnobs, type MetaLearner, norm } from "./meta_learner.ts";

/** ES-MAML options besides the knobs. */
export interface EsMamlOptions {
  /** Perturbation scale sigma (default 0.02). */
  sigma?: number;
  /** Seed of the perturbations (default 0). */
  seed?: number;
}

/**
 * Host twin of the antithetic ES gradient: losses (2n) of models (2j: +eps_j, 2j+1: -eps_j),
 * noise (n, count); a non-finite loss is replaced by the largest finite loss of the population.
 */
export function esGradient(
  losses: ArrayLike<number>,
  noise: Float64Array,
  count: number,
  sigma: number,
): Float64Array {
  const n = losses.length / 2;
  let worst = -Infinity;
  for (let i = 0; i < losses.length; i++) {
    if (Number.isFinite(losses[i]!)) worst = Math.max(worst, losses[i]!);
  }
  const fix = (l: number): number => (Number.isFinite(l) ? l : Number.isFinite(worst) ? worst : 0);
  const g = new Float64Array(count);
  for (let j = 0; j < n; j++) {
    const d = (fix(losses[2 * j]!) - fix(losses[2 * j + 1]!)) / (2 * n * sigma);
    for (let i = 0; i < count; i++) g[i] = g[i]! + d * noise[j * count + i]!;
  }
  return g;
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
  #adam: HostAdam;
  #rng: Rng;

  /** Starts from `theta` (copied). */
  constructor(loop: InnerLoop, theta: Float32Array, knobs: MetaKnobs, options: EsMamlOptions = {}) {
    this.#loop = loop;
    this.theta = Float32Array.from(theta);
    this.knobs = { ...knobs };
    this.sigma = options.sigma ?? 0.02;
    this.#adam = new HostAdam(theta.length);
    this.#rng = new Rng(deriveSeed(options.seed ?? 0, "es-maml"));
  }

  /** One ES-MAML iteration; returns the mean adapted query loss and accuracy of the perturbed pairs. */
  async step(pool: EpisodePool, ids: Uint32Array): Promise<Record<string, number>> {
    const { stride, paramCount } = this.#loop.layout;
    const n = ids.length;
    const noise = new Float64Array(n * paramCount);
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
    const g = esGradient(ev.loss, noise, paramCount, this.sigma);
    this.#adam.step(this.theta, g, this.knobs.metaLr, paramCount);
    let loss = 0;
    let acc = 0;
    for (let p = 0; p < 2 * n; p++) (loss += ev.loss[p]!, acc += ev.accuracy[p]!);
    return { query_loss: loss / (2 * n), query_accuracy: acc / (2 * n), es_grad_norm: norm(g) };
  }

  /** Adapts from theta with SGD at innerLr. */
  evaluate(pool: EpisodePool, ids: Uint32Array, steps: number): Promise<AdaptCurve> {
    return evaluateInit(this.#loop, this.theta, this.knobs, pool, ids, steps);
  }
}
