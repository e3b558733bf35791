/** Test fixture: one 2-way episode over six rows, rows 0-1 the support set and rows 2-5 the query set. */
import type { EpisodeBatch } from "../../../learners/tasks/task_family.ts";

/** The episode over inputs `x` (6 rows of `inputs`) with labels `y` (6). */
export function oneEpisode(x: number[], y: number[], inputs: number): EpisodeBatch {
  return {
    dataset: {
      count: 6,
      inputs,
      targetWidth: 1,
      classes: 2,
      x: Float32Array.from(x),
      y: Float32Array.from(y),
    },
    episodes: 1,
    supportSize: 2,
    querySize: 4,
    support: Uint32Array.from([0, 1]),
    query: Uint32Array.from([2, 3, 4, 5]),
    labelMapWidth: 0,
    ways: 2,
  };
}
