/**
 * Reptile (Nichol, Achiam and Schulman, "On First-Order Meta-Learning Algorithms", 2018): adapt
 * a copy of the initialization to each task of a meta-batch with K SGD steps, then move the
 * initialization toward the adapted weights: theta += metaLr * mean_t(theta_t' - theta).
 * Every meta-iteration runs in the backend's meta loop (learners/meta_train/meta_loop.ts: the
 * inner loops of the whole meta-batch as one population, the update in
 * `shaders/meta_reptile_update.wgsl` on a GPU, its CPU twin on the CPU backend); metaLr is the
 * interpolation step epsilon. `step` returns update_norm (|theta change|) and tasks_used.
 * @module
 */
import type { InnerLoop } from "./inner_loop.ts";
import { LoopMetaLearner } from "./loop_meta_learner.ts";
import type { MetaLearnerOptions } from "./meta_learner.ts";

/** Reptile meta-learner. */
export class Reptile extends LoopMetaLearner {
  /** "reptile". */
  readonly name = "reptile";

  /** Starts from `theta` (copied, times options.initScale). */
  constructor(loop: InnerLoop, theta: Float32Array, options: MetaLearnerOptions) {
    super(loop, theta, options, "reptile");
  }
}
