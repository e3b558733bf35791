/**
 * The geometry of a factored meta-iteration (learners/meta_train/lowrank_loop.ts): its rows (task
 * t's support samples, then its query positions), its shape, the weight of a support sample in a
 * step's mean, and the tail of a parameter row (what stays per-task state).
 * @module
 */
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";

/** The rows of a meta-iteration: task t reads episode ids[idsOffset + t]. */
export interface LowrankRows {
  /** The episodes. */
  episodes: EpisodeBatch;
  /** Episode ids. */
  ids: ArrayLike<number>;
  /** Index of task 0's id in `ids`. */
  idsOffset: number;
}

/** The shape of a factored meta-iteration. */
export interface LowrankShape {
  /** Tasks (the meta-batch). */
  tasks: number;
  /** Support samples per task (S). */
  support: number;
  /** The inner batch B: a step's mean runs over B positions cycling through the support set. */
  batch: number;
  /** Whether a query pass of B rows follows the steps (FOMAML; Reptile has none). */
  query: boolean;
  /** Inner SGD steps. */
  steps: number;
  /** Inner SGD learning rate. */
  lr: number;
}

/** Data-set row of task t's row r: support sample r < S, else query position r - S (cyclic). */
export function rowSample(rows: LowrankRows, t: number, r: number, S: number): number {
  const b = rows.episodes;
  const e = rows.ids[rows.idsOffset + t]!;
  return r < S ? b.support[e * S + r]! : b.query[e * b.querySize + ((r - S) % b.querySize)]!;
}

/** Query rows of a shape: B with a query pass, else 0. */
export function queryRows(s: LowrankShape): number {
  return s.query ? s.batch : 0;
}

/**
 * Weight of support sample r in a step's mean over B positions cycling through S samples: it
 * appears floor(B / S) times, once more when r < B mod S (so 1 / S when S divides B).
 */
export function supportWeight(r: number, S: number, B: number): number {
  return (Math.floor(B / S) + (r < B % S ? 1 : 0)) / B;
}

/** The first layer's parameters before the tail: H * D weights. */
export function tailStart(layout: MlpLayout): number {
  return layout.biasOffset[0]!;
}

/** Parameters of a tail (first layer's bias to the end of the row). */
export function tailCount(layout: MlpLayout): number {
  return layout.paramCount - layout.biasOffset[0]!;
}

/** Floats between tasks' rows in a tails table: tailCount rounded up to a multiple of 4. */
export function tailStride(layout: MlpLayout): number {
  return Math.ceil(tailCount(layout) / 4) * 4;
}
