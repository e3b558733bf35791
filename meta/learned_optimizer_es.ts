/**
 * The config, per-generation record and progress state of the meta-training of learned optimizers
 * (meta/learned_optimizer_training.ts), and its unroll-length curriculum.
 * @module
 */
import type { RngState } from "../core/rng.ts";
import type { HostAdamState } from "../learners/optimizers/host_adam.ts";
import type { UnrollModel } from "./learned_optimizer_unroll.ts";
import type { LearnedKind } from "./learned_optimizer.ts";

/** Config of `metaTrainEs`. */
export interface EsConfig {
  /** Antithetic pairs per generation. */
  pairs: number;
  /** Tasks per generation (fresh tasks every generation). */
  tasks: number;
  /** Generations. */
  generations: number;
  /** Perturbation std. */
  sigma: number;
  /** Adam step size on the meta weights. */
  metaLr: number;
  /** Unroll length of the first generation (the curriculum grows it linearly). */
  minUnroll: number;
  /** Unroll length of the last generation. */
  maxUnroll: number;
  /** Steps between loss samples. */
  every: number;
  /** Base learning rate and momentum of the learned optimizer. */
  lr: number;
  /** Momentum of the learned optimizer's update. */
  momentum: number;
  /** Std of the initial meta weights. */
  initStd: number;
  /** Loss assigned to a quarantined model and cap of every sampled loss. */
  divergedLoss: number;
  /** The base learner. */
  model: UnrollModel;
  /** Which learned optimizer to meta-train (default lr-scale, optimizer kind 3). */
  kind?: LearnedKind;
}

/** Default ES config (a few seconds per generation on lavapipe). */
export const DEFAULT_ES_CONFIG: EsConfig = {
  pairs: 8,
  tasks: 4,
  generations: 30,
  sigma: 0.1,
  metaLr: 0.05,
  minUnroll: 20,
  maxUnroll: 60,
  every: 5,
  lr: 0.05,
  momentum: 0.9,
  initStd: 0.01,
  divergedLoss: 5,
  model: { hidden: [32], activation: "relu", batchSize: 16 },
};

/** One generation's record (one CSV row). */
export interface EsGeneration extends Record<string, number> {
  /** Generation index, from 0. */
  generation: number;
  /** Unroll length (inner steps) of this generation under the curriculum. */
  unroll: number;
  /** Mean fitness (loss area) over every perturbed model. */
  meta_loss: number;
  /** Mean |f+ - f-| over pairs and tasks. */
  mean_abs_diff: number;
  /** Quarantined models this generation. */
  diverged: number;
  /** L2 norm of the meta weights after the update. */
  theta_norm: number;
}

/** Where a meta-training run stands between two generations: continues it exactly (checkpoints). */
export interface EsProgress {
  /** The next generation. */
  next: number;
  /** Meta weights after the last generation. */
  theta: number[];
  /** Adam's state on them. */
  adam: HostAdamState;
  /** The noise generator. */
  rng: RngState;
}

/** Called after each generation with its record, the meta weights and the progress so far. */
export type OnEsGeneration<R> = (
  g: R,
  theta: Float64Array,
  progress: EsProgress,
) => void | Promise<void>;

/**
 * The fields of a generation's record in their order (REINFORCE adds mean_reward): the columns of
 * a log of records.
 */
export function generationColumns(by: "es" | "reinforce"): string[] {
  const fit = by === "reinforce" ? ["mean_reward"] : [];
  return ["generation", "unroll", "meta_loss", "mean_abs_diff", ...fit, "diverged", "theta_norm"];
}

/** Unroll length of generation g under the linear curriculum. */
export function curriculumUnroll(c: EsConfig, g: number): number {
  if (c.generations <= 1) return c.maxUnroll;
  const f = g / (c.generations - 1);
  return Math.round(c.minUnroll + f * (c.maxUnroll - c.minUnroll));
}
