/**
 * The small few-shot problem of the meta-learner tests: an inner loop and two episode pools of a
 * family, every episode id of a pool, and training with validation on a whole pool.
 */
import type { Backend } from "../../../learners/backend.ts";
import type { TaskFamily } from "../../../learners/tasks/task_family.ts";
import { SyntheticClassification } from "../../../learners/tasks/synthetic_classification.ts";
import {
  EpisodePool,
  InnerLoop,
  type MetaLearner,
  type MetaLearnerTrainOptions,
  type MetaLearnerTrainResult,
} from "../../../meta/few_shot/mod.ts";

/** The tiny 3-way 1-shot synthetic family of the meta-learner and self-improving tests. */
export const TINY_FAMILY = new SyntheticClassification({
  inputs: 8,
  ways: 3,
  shots: 1,
  queryPerClass: 3,
  difficulty: 0.6,
  hidden: 8,
  latentDim: 4,
});

/** An inner loop, a training pool and a validation pool. */
export interface FewShotProblem {
  /** The inner loop. */
  loop: InnerLoop;
  /** Training episodes. */
  pool: EpisodePool;
  /** Validation (or held-out) episodes. */
  val: EpisodePool;
}

/** The problem on `backend`: the loop of `net`, pools of `family` with [seed, size] each. */
export function fewShotProblem(
  backend: Backend,
  family: TaskFamily,
  o: {
    net: { widths: number[]; batchSize: number };
    pool: [number, number];
    val: [number, number];
  },
): FewShotProblem {
  return {
    loop: new InnerLoop(backend, o.net),
    pool: new EpisodePool(backend, family, ...o.pool),
    val: new EpisodePool(backend, family, ...o.val),
  };
}

/** Every episode id of `pool`. */
export function allIds(pool: EpisodePool): Uint32Array<ArrayBuffer> {
  return Uint32Array.from({ length: pool.size }, (_, i) => i);
}

/** `learner.train` on `p.pool`, validated on all of `p.val` by `metric`. */
export function trainValidated(
  learner: MetaLearner,
  p: FewShotProblem,
  o: Omit<MetaLearnerTrainOptions, "validation">,
  metric: "accuracy" | "loss",
): Promise<MetaLearnerTrainResult> {
  return learner.train(p.pool, { ...o, validation: { pool: p.val, ids: allIds(p.val), metric } });
}
