/**
 * First-order MAML (Finn, Abbeel and Levine, "Model-Agnostic Meta-Learning for Fast Adaptation of
 * Deep Networks", ICML 2017, section 5.2): adapt to each task's support set with K SGD steps, take
 * the gradient of the query loss at the adapted weights and apply the meta-batch mean to the
 * initialization (Adam). Every meta-iteration runs in the backend's meta loop
 * (learners/meta_train/meta_loop.ts: batch slots 0..K-1 hold the support set, slot K the query set,
 * so the gradient after K steps is the query gradient; the Adam update in
 * `shaders/meta_fomaml_update.wgsl` with its moments resident, its CPU twin on the CPU backend).
 * `step` returns the mean query loss, meta_grad_norm and tasks_used. Same as `Maml` with
 * firstOrder: true.
 * @module
 */
import type { InnerLoop } from "./inner_loop.ts";
import { LoopMetaLearner } from "./loop_meta_learner.ts";
import type { MetaLearnerOptions } from "./meta_learner.ts";

/** First-order MAML meta-learner. */
export class Fomaml extends LoopMetaLearner {
  /** "fomaml". */
  readonly name = "fomaml";

  /** Starts from `theta` (copied, times options.initScale). */
  constructor(loop: InnerLoop, theta: Float32Array, options: MetaLearnerOptions) {
    super(loop, theta, options, "fomaml");
  }
}
