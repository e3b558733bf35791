/**
 * Task families for meta-learning: a family samples episodes (tasks), each a support set to adapt
 * on and a query set to evaluate, for a whole population at once. An `EpisodeBatch` is what a
 * backend uploads: one data set plus per-episode index arrays (and, for real data sets, a per-episode
 * relabelling of the global classes to 0..N-1).
 * @module
 */

import { type Dataset, validateDataset } from "../dataset.ts";

/** Marks a global class that is not part of an episode in `EpisodeBatch.labelMap`. */
export const LABEL_UNUSED = 0xffffffff;

/** Whether a family's tasks are classification (softmax cross-entropy) or regression (MSE). */
export type TaskKind = "classification" | "regression";

/** A batch of episodes for a population: episode `e` is read by model `e`. */
export interface EpisodeBatch {
  /** The samples every episode indexes into (uploaded once). */
  dataset: Dataset;
  /** Number of episodes. */
  episodes: number;
  /** Support samples per episode. */
  supportSize: number;
  /** Query samples per episode. */
  querySize: number;
  /** Support sample indices into `dataset`, shape (episodes, supportSize). */
  support: Uint32Array<ArrayBuffer>;
  /** Query sample indices into `dataset`, shape (episodes, querySize). */
  query: Uint32Array<ArrayBuffer>;
  /**
   * Global class -> episode-local label, shape (episodes, labelMapWidth); `LABEL_UNUSED` elsewhere.
   * Real-data batches build it on first read from their class lists (`withClassLists` in
   * episode_classes.ts): code that may see a large pool reads `episodeClasses` instead.
   */
  labelMap?: Uint32Array<ArrayBuffer>;
  /** Width of a `labelMap` row (the data set's class count); 0 when labels are used as stored. */
  labelMapWidth: number;
  /** Output width a model needs: N for N-way classification, 1 for sinusoid regression. */
  ways: number;
}

/** A distribution over tasks that samples whole batches of episodes from a seed. */
export interface TaskFamily {
  /** Short name used in run folders and metrics. */
  readonly name: string;
  /** Classification or regression. */
  readonly kind: TaskKind;
  /** Input width of every sample. */
  readonly inputs: number;
  /** Output width a model needs (equals `EpisodeBatch.ways`). */
  readonly outputs: number;
  /** Samples `episodes` episodes; the same seed gives bit-identical arrays. */
  sampleEpisodes(seed: number, episodes: number): EpisodeBatch;
}

/** The episode-local target of sample `index` in episode `e` (the class label after `labelMap`). */
export function episodeLabel(batch: EpisodeBatch, e: number, index: number): number {
  const stored = batch.dataset.y[index * batch.dataset.targetWidth]!;
  if (batch.labelMapWidth === 0 || batch.labelMap === undefined) return stored;
  return batch.labelMap[e * batch.labelMapWidth + stored]!;
}

/** Checks an episode batch's shapes, index ranges and label map; throws TypeError/RangeError naming the field. */
export function validateEpisodeBatch(b: EpisodeBatch, name = "episodes"): void {
  validateDataset(b.dataset, `${name}.dataset`);
  for (const f of ["episodes", "supportSize", "querySize", "labelMapWidth", "ways"] as const) {
    const v = b[f];
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`Invalid ${name}.${f}: must be an integer >= 0: current value is ${v}`);
    }
  }
  checkIndices(b.support, b.episodes * b.supportSize, b.dataset.count, `${name}.support`);
  checkIndices(b.query, b.episodes * b.querySize, b.dataset.count, `${name}.query`);
  if (b.labelMapWidth > 0) checkLabelMap(b, name);
  if (b.dataset.classes === 0) return;
  for (
    const [field, a, size] of [
      ["support", b.support, b.supportSize],
      ["query", b.query, b.querySize],
    ] as const
  ) {
    for (let i = 0; i < a.length; i++) {
      const e = Math.floor(i / size);
      const l = episodeLabel(b, e, a[i]!);
      if (l >= b.ways) {
        throw new RangeError(
          `Invalid ${name}.${field}[${i}]: its episode label must be in [0, ${
            b.ways - 1
          }]: current value is ${l}`,
        );
      }
    }
  }
}

function checkLabelMap(b: EpisodeBatch, name: string): void {
  const w = b.labelMapWidth;
  if (b.labelMap === undefined || b.labelMap.length !== b.episodes * w) {
    throw new TypeError(
      `Invalid ${name}.labelMap: length must be episodes*labelMapWidth = ${
        b.episodes * w
      }: current value is ${b.labelMap?.length ?? "undefined"}`,
    );
  }
  if (w !== b.dataset.classes) {
    throw new RangeError(
      `Invalid ${name}.labelMapWidth: must equal dataset.classes = ${b.dataset.classes}: current value is ${w}`,
    );
  }
  for (let e = 0; e < b.episodes; e++) {
    const seen = new Uint8Array(b.ways);
    let used = 0;
    for (let c = 0; c < w; c++) {
      const l = b.labelMap[e * w + c]!;
      if (l === LABEL_UNUSED) continue;
      if (l >= b.ways || seen[l]) {
        throw new RangeError(
          `Invalid ${name}.labelMap[${e}][${c}]: must be a distinct label in [0, ${
            b.ways - 1
          }]: current value is ${l}`,
        );
      }
      seen[l] = 1;
      used++;
    }
    if (used !== b.ways) {
      throw new RangeError(
        `Invalid ${name}.labelMap[${e}]: must map exactly ${b.ways} classes: current value is ${used}`,
      );
    }
  }
}

function checkIndices(a: Uint32Array, length: number, count: number, field: string): void {
  if (a.length !== length) {
    throw new TypeError(`Invalid ${field}: length must be ${length}: current value is ${a.length}`);
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i]! >= count) {
      throw new RangeError(
        `Invalid ${field}[${i}]: must be an index in [0, ${count - 1}]: current value is ${a[i]}`,
      );
    }
  }
}
