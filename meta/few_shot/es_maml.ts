/**
 * ES-MAML (Song et al., "ES-MAML: Simple Hessian-Free Meta Learning", ICLR 2020), zero-order
 * variant: a population of antithetic perturbations theta +- sigma*eps_j of the initialization,
 * pair j adapted to task j of the meta-batch with K SGD steps and scored by its query batch loss,
 * all 2n models in one population. ES gradient of the adapted query loss:
 * g = sum_j (L(theta + sigma eps_j) - L(theta - sigma eps_j)) eps_j / (2 n sigma), applied with
 * Adam. Every meta-iteration runs in the backend's meta loop (learners/meta_train/meta_loop.ts):
 * the noise drawn on the device from the counter RNG (`shaders/meta_es_perturb.wgsl`, key: the
 * seed, second counter: the Adam step), the losses read from the population's metrics by
 * `shaders/meta_es_maml_update.wgsl`. `step` returns query_loss (mean over the 2n models),
 * es_grad_norm and tasks_used (models used, 2 per task).
 * @module
 */
import { deriveSeed } from "../../core/rng.ts";
import type { InnerLoop } from "./inner_loop.ts";
import { LoopMetaLearner } from "./loop_meta_learner.ts";
import type { MetaLearnerOptions } from "./meta_learner.ts";

/** ES-MAML options besides the knobs (kept for callers of the older 4-argument constructor). */
export interface EsMamlOptions {
  /** Perturbation scale sigma (default 0.02). */
  sigma?: number;
  /** Seed of the perturbations (default 0). */
  seed?: number;
}

/** ES-MAML meta-learner: `ids.length` tasks, one antithetic pair per task. */
export class EsMaml extends LoopMetaLearner {
  /** "es-maml". */
  readonly name = "es-maml";
  /** Perturbation scale. */
  readonly sigma: number;

  /** Starts from `theta` (copied, times options.initScale). */
  constructor(
    loop: InnerLoop,
    theta: Float32Array,
    knobs: MetaLearnerOptions,
    options: EsMamlOptions = {},
  ) {
    const sigma = options.sigma ?? knobs.sigma ?? 0.02;
    const seed = deriveSeed(options.seed ?? knobs.seed ?? 0, "es-maml");
    super(loop, theta, knobs, "es-maml", { sigma, seed });
    this.sigma = sigma;
  }
}
