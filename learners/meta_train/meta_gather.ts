/**
 * Wrapper of `shaders/meta_gather.wgsl`, which loads the episodes of one meta-iteration into a
 * population's batch table and label maps on the device, and its CPU twin `gatherEpisodesCpu`
 * (the specification).
 * @module
 */
import code from "../../shaders/meta_gather.wgsl" with { type: "text" };
import { labelMapRows, labelWidthOf } from "../tasks/episode_classes.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";

/** The shape of a gathered meta-batch. */
export interface GatherShape {
  /** Models (episodes) of the meta-batch. */
  models: number;
  /** Batch size of the population. */
  batchSize: number;
  /** Support slots per model. */
  slots: number;
  /** Whether a query slot follows the support slots. */
  querySlot: boolean;
  /** false: no label maps (an empty table), for a population that takes another's. */
  labels?: boolean;
}

/** The batch table and label map of a loop's inner population for one iteration. */
export interface LoadedBatches {
  /** (models, rowLen) sample indices, each row's support batch first. */
  batches: Uint32Array<ArrayBuffer>;
  /** (models, width) label-map rows (empty: labels as stored). */
  labelMap: Uint32Array<ArrayBuffer>;
  /** Entries per model row of `batches`. */
  rowLen: number;
}

/**
 * CPU twin: model p reads episode ids[idsOffset + p]: `slots` support slots (support[e, i % S] at
 * position i), then the query slot when asked (query[e, i % Q]); its label-map row is episode e's
 * dense label map, built from the pool's class lists (`labelMapRows`: entry c is c's position in
 * e's list, LABEL_UNUSED when e does not use c). Returns the batch table
 * (models, slots + querySlot, batchSize) and the label maps (models, labelMapWidth; empty when the
 * batch has none).
 */
export function gatherEpisodesCpu(
  batch: EpisodeBatch,
  ids: ArrayLike<number>,
  idsOffset: number,
  s: GatherShape,
): { batches: Uint32Array<ArrayBuffer>; labelMap: Uint32Array<ArrayBuffer> } {
  const S = batch.supportSize;
  const Q = batch.querySize;
  const B = s.batchSize;
  const rowLen = (s.slots + (s.querySlot ? 1 : 0)) * B;
  const batches = new Uint32Array(s.models * rowLen);
  const own = Array.from({ length: s.models }, (_, p) => ids[idsOffset + p]!);
  const labelMap = (s.labels !== false ? labelMapRows(batch, own) : null) ?? new Uint32Array(0);
  for (let p = 0; p < s.models; p++) {
    const e = ids[idsOffset + p]!;
    for (let j = 0; j < rowLen; j++) {
      const i = j % B;
      batches[p * rowLen + j] = Math.floor(j / B) < s.slots
        ? batch.support[e * S + (i % S)]!
        : batch.query[e * Q + (i % Q)]!;
    }
  }
  return { batches, labelMap };
}

/** The gather kernel. */
export const META_GATHER: MetaKernel = metaKernel("meta_gather", code, {
  read: "ids: array<u32>, support: array<u32>, query: array<u32>, classes: array<u32>",
  readWrite: "batches: array<u32>, labelOut: array<u32>",
  params: "models, batchSize, slots, querySlot, supportSize, querySize, labelWidth, classWidth, " +
    "idsOffset, full, prevOffset, gridX",
});

/** Resident episode index arrays of a pool (uploaded once). */
export interface EpisodeBuffers {
  /** (E, supportSize) support indices. */
  support: GPUBuffer;
  /** (E, querySize) query indices. */
  query: GPUBuffer;
  /** (E, ways) class lists (learners/tasks/episode_classes.ts; a 4-byte placeholder when none). */
  classes: GPUBuffer;
}

/**
 * The kernel run of one gather: ids of the chunk, the pool, the population's tables. With
 * `prevOffset` (where in ids the models' previous episodes are), the label-map rows must hold
 * those episodes' maps (the previous gather into the same tables wrote them): only the entries of
 * the classes of the two episodes are rewritten (2 x ways per model instead of the class count).
 */
export function metaGatherRun(
  batch: EpisodeBatch,
  b: { ids: MetaBinding; episodes: EpisodeBuffers; batches: MetaBinding; labelOut: MetaBinding },
  s: GatherShape,
  idsOffset: number,
  prevOffset?: number,
): MetaRun {
  const W = labelWidthOf(batch);
  const N = W > 0 ? batch.ways : 0;
  const rowLen = (s.slots + (s.querySlot ? 1 : 0)) * s.batchSize;
  const { models, batchSize, slots } = s;
  const { support, query, classes } = b.episodes;
  const full = prevOffset === undefined;
  return {
    n: models * (rowLen + (full ? W : 2 * N)),
    buffers: { ids: b.ids, support, query, classes, batches: b.batches, labelOut: b.labelOut },
    params: {
      models,
      batchSize,
      slots,
      querySlot: s.querySlot ? 1 : 0,
      supportSize: batch.supportSize,
      querySize: batch.querySize,
      labelWidth: W,
      classWidth: N,
      idsOffset,
      full: full ? 1 : 0,
      prevOffset: prevOffset ?? 0,
    },
  };
}
