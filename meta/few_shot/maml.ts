/**
 * MAML (Finn, Abbeel and Levine, "Model-Agnostic Meta-Learning for Fast Adaptation of Deep
 * Networks", ICML 2017) with second-order gradients: the query loss after K inner SGD steps is
 * differentiated through the steps, dL_q/dtheta = prod_k (I - innerLr H_k) grad L_q(theta_K), with
 * the Hessian-vector products H_k v of each support loss computed in `shaders/meta_hvp.wgsl`
 * (Pearlmutter's R-operator, one invocation per task) inside the backend's meta loop; Adam on the
 * meta-batch mean as in FOMAML. `firstOrder: true` drops the Hessian terms (first-order MAML, as
 * learn2learn's `first_order` switch). CPU twin: mamlMetaGradientCpu, checked against finite
 * differences of the meta-loss.
 * @module
 */
import type { InnerLoop } from "./inner_loop.ts";
import { LoopMetaLearner } from "./loop_meta_learner.ts";
import type { MetaLearnerOptions } from "./meta_learner.ts";

/** MAML meta-learner (second order unless options.firstOrder). */
export class Maml extends LoopMetaLearner {
  /** "maml". */
  readonly name = "maml";
  /** Whether the Hessian terms are dropped. */
  readonly firstOrder: boolean;

  /** Starts from `theta` (copied, times options.initScale). */
  constructor(loop: InnerLoop, theta: Float32Array, options: MetaLearnerOptions) {
    super(loop, theta, options, options.firstOrder ? "fomaml" : "maml");
    this.firstOrder = options.firstOrder ?? false;
  }
}
