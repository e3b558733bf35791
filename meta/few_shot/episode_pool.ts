/**
 * Episode pools for few-shot meta-learning: a fixed set of episodes sampled once from a task
 * family and uploaded once, from which each meta-iteration picks a meta-batch by episode id. The
 * pool turns ids into what a population reads: batch-index tables (support slots then an optional
 * query slot), evaluation indices and per-model label maps, so the inner loops of a whole
 * meta-batch run in one dispatch.
 * @module
 */
import { deriveSeed } from "../../core/rng.ts";
import type { Backend, BackendDataset } from "../../learners/backend.ts";
import type { Dataset } from "../../learners/dataset.ts";
import { labelMapRows } from "../../learners/tasks/episode_classes.ts";
import type { EpisodeBatch, TaskFamily } from "../../learners/tasks/task_family.ts";

/** Model-side index arrays for one meta-batch (model p reads episode `ids[p]`). */
export interface GatheredEpisodes {
  /** (P, numBatches, batchSize): `supportSlots` support slots, then a query slot when asked. */
  batches: Uint32Array<ArrayBuffer>;
  /** Slots per model. */
  numBatches: number;
  /** (P, querySize) query indices for `evaluate`. */
  query: Uint32Array<ArrayBuffer>;
  /** (P, supportSize) support indices for `evaluate` (the support/query gap). */
  support: Uint32Array<ArrayBuffer>;
  /** (P, labelMapWidth) label maps, or null for labels as stored. */
  labelMap: Uint32Array<ArrayBuffer> | null;
  /** Label map row width (0 when null). */
  labelMapWidth: number;
}

/**
 * Seed of one seed's pool `tag` ("train", "val", "test", "cross"): the family's `sampleEpisodes`
 * seed of that pool in `openSettingRun`, and of the test episodes' Bayes rule.
 */
export function poolSeed(seed: number, tag: string): number {
  return deriveSeed(seed, tag);
}

/** A set of episodes sampled once and uploaded once to a backend. */
export class EpisodePool {
  /** The sampled episodes. */
  readonly batch: EpisodeBatch;
  /** The uploaded data set. */
  readonly data: BackendDataset;
  /** Number of episodes. */
  readonly size: number;

  /** Whether `data` is this pool's own upload (freed by destroy). */
  #owned: boolean;

  /**
   * Samples `episodes` episodes of `family` from `seed` and uploads their data set to `backend`,
   * or takes it from `options.upload` (an upload the caller shares between pools and frees).
   */
  constructor(
    backend: Backend,
    family: TaskFamily,
    seed: number,
    episodes: number,
    options: { upload?: (data: Dataset) => BackendDataset } = {},
  ) {
    this.batch = family.sampleEpisodes(seed, episodes);
    this.#owned = options.upload === undefined;
    this.data = options.upload?.(this.batch.dataset) ?? backend.uploadDataset(this.batch.dataset);
    this.size = episodes;
  }

  /**
   * Index arrays for models reading episodes `ids`. The support set is repeated cyclically to fill
   * each batch (so with batchSize a multiple of the support size a step is exact full-batch
   * gradient descent on the support set); the query slot holds the first batchSize query indices
   * (cyclically).
   */
  gather(
    ids: ArrayLike<number>,
    batchSize: number,
    options: { supportSlots?: number; querySlot?: boolean } = {},
  ): GatheredEpisodes {
    const b = this.batch;
    const S = b.supportSize;
    const Q = b.querySize;
    const slots = options.supportSlots ?? 1;
    const numBatches = slots + (options.querySlot ? 1 : 0);
    const P = ids.length;
    const batches = new Uint32Array(P * numBatches * batchSize);
    const query = new Uint32Array(P * Q);
    const support = new Uint32Array(P * S);
    for (let p = 0; p < P; p++) {
      const e = ids[p]!;
      if (!Number.isInteger(e) || e < 0 || e >= this.size) {
        throw new RangeError(
          `Cannot gather episodes as ids[${p}] must be in [0, ${
            this.size - 1
          }]: current value is ${e}`,
        );
      }
      for (let s = 0; s < slots; s++) {
        const row = (p * numBatches + s) * batchSize;
        for (let i = 0; i < batchSize; i++) batches[row + i] = b.support[e * S + (i % S)]!;
      }
      if (options.querySlot) {
        const row = (p * numBatches + slots) * batchSize;
        for (let i = 0; i < batchSize; i++) batches[row + i] = b.query[e * Q + (i % Q)]!;
      }
      query.set(b.query.subarray(e * Q, (e + 1) * Q), p * Q);
      support.set(b.support.subarray(e * S, (e + 1) * S), p * S);
    }
    // Per-model rows from the pool's class lists (a pool never builds its dense maps).
    const labelMap = labelMapRows(b, ids);
    const labelMapWidth = labelMap ? b.labelMapWidth : 0;
    return { batches, numBatches, query, support, labelMap, labelMapWidth };
  }

  /** Frees the uploaded data set (unless it came from `options.upload`). */
  destroy(): void {
    if (this.#owned) this.data.destroy();
  }
}
