/**
 * Wrapper of `shaders/meta_gather.wgsl`, which loads the episodes of one meta-iteration into a
 * population's batch table and label maps on the device, and its CPU twin `gatherEpisodesCpu`
 * (the specification).
 * @module
 */
import code from "../../shaders/meta_gather.wgsl" with { type: "text" };
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
}

/**
 * CPU twin: model p reads episode ids[idsOffset + p]: `slots` support slots (support[e, i % S] at
 * position i), then the query slot when asked (query[e, i % Q]); label-map row labelMap[e].
 * Returns the batch table (models, slots + querySlot, batchSize) and the label maps
 * (models, labelMapWidth; empty when the batch has none).
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
  const W = batch.labelMap ? batch.labelMapWidth : 0;
  const batches = new Uint32Array(s.models * rowLen);
  const labelMap = new Uint32Array(s.models * W);
  for (let p = 0; p < s.models; p++) {
    const e = ids[idsOffset + p]!;
    for (let j = 0; j < rowLen; j++) {
      const i = j % B;
      batches[p * rowLen + j] = Math.floor(j / B) < s.slots
        ? batch.support[e * S + (i % S)]!
        : batch.query[e * Q + (i % Q)]!;
    }
    if (W > 0) labelMap.set(batch.labelMap!.subarray(e * W, (e + 1) * W), p * W);
  }
  return { batches, labelMap };
}

/** The gather kernel. */
export const META_GATHER: MetaKernel = metaKernel("meta_gather", code);

/** Resident episode index arrays of a pool (uploaded once). */
export interface EpisodeBuffers {
  /** (E, supportSize) support indices. */
  support: GPUBuffer;
  /** (E, querySize) query indices. */
  query: GPUBuffer;
  /** (E, labelMapWidth) label maps (a 4-byte placeholder when none). */
  labelMap: GPUBuffer;
}

/** The kernel run of one gather: ids of the chunk, the pool, the population's tables. */
export function metaGatherRun(
  batch: EpisodeBatch,
  b: { ids: MetaBinding; episodes: EpisodeBuffers; batches: MetaBinding; labelOut: MetaBinding },
  s: GatherShape,
  idsOffset: number,
): MetaRun {
  const W = batch.labelMap ? batch.labelMapWidth : 0;
  const rowLen = (s.slots + (s.querySlot ? 1 : 0)) * s.batchSize;
  // Params: models @0, batchSize @4, slots @8, querySlot @12, supportSize @16, querySize @20,
  // labelWidth @24, idsOffset @28, gridX @32.
  const u = new ArrayBuffer(48);
  new Uint32Array(u, 0, 8).set([
    s.models,
    s.batchSize,
    s.slots,
    s.querySlot ? 1 : 0,
    batch.supportSize,
    batch.querySize,
    W,
    idsOffset,
  ]);
  return {
    n: s.models * (rowLen + W),
    buffers: [
      b.ids,
      b.episodes.support,
      b.episodes.query,
      b.episodes.labelMap,
      b.batches,
      b.labelOut,
    ],
    uniform: u,
    gridXWord: 8,
  };
}
