/**
 * The compact form of a batch's label maps: each episode's class list, shape (episodes, ways),
 * entry k the global class whose episode-local label is k (`LABEL_UNUSED` where no class has that
 * label). Its size does not grow with the data set's class count, unlike the dense maps
 * (`EpisodeBatch.labelMap`, episodes x classes: 1.36 GB for 65,536 episodes of 5,207 glyph classes),
 * so the GPU meta loops upload it instead (learners/meta_train/gpu_loop_tables.ts) and their kernels
 * find a class's label by scanning the episode's `ways` entries (`classListLabel` is the twin).
 * Real-data families sample batches that hold only the class lists and build the dense maps on
 * first read (`withClassLists`), so a meta-training pool never holds them on the host either.
 * @module
 */
import { type EpisodeBatch, LABEL_UNUSED } from "./task_family.ts";

/** Class lists already built, by the dense map they were built from. */
const BUILT = new WeakMap<Uint32Array, { ways: number; classes: Uint32Array<ArrayBuffer> }>();

/** Batches made by `withClassLists`: their class lists and, once read, their dense maps. */
const LAZY = new WeakMap<EpisodeBatch, { classes: Uint32Array<ArrayBuffer>; dense: boolean }>();

/**
 * An episode batch that holds its labels as class lists `classes` (episodes, fields.ways): its
 * `labelMap` is built from them on first read (and kept), so a large pool that only the class-list
 * readers touch (the meta loops, `EpisodePool.gather`) never holds the dense maps (1.36 GB for
 * 65,536 glyph episodes). Every other reader sees the same dense maps as before. `fields` must not
 * hold a `labelMap`; `labelMapWidth` must be the data set's class count.
 */
export function withClassLists(
  fields: Omit<EpisodeBatch, "labelMap">,
  classes: Uint32Array<ArrayBuffer>,
): EpisodeBatch {
  const { episodes: E, ways: N, labelMapWidth: W } = fields;
  if (classes.length !== E * N || W === 0) {
    throw new RangeError(
      `Cannot make episode batch as its class lists must have episodes*ways = ${
        E * N
      } entries and labelMapWidth must be > 0: current values are ${classes.length} and ${W}`,
    );
  }
  let dense: Uint32Array<ArrayBuffer> | undefined;
  const batch = { ...fields } as EpisodeBatch;
  const entry = { classes, dense: false };
  Object.defineProperty(batch, "labelMap", {
    enumerable: true,
    get(): Uint32Array<ArrayBuffer> {
      if (!dense) {
        dense = new Uint32Array(E * W).fill(LABEL_UNUSED);
        for (let i = E * N - 1; i >= 0; i--) {
          const c = classes[i]!;
          if (c !== LABEL_UNUSED) dense[Math.floor(i / N) * W + c] = i % N;
        }
        entry.dense = true;
      }
      return dense;
    },
  });
  LAZY.set(batch, entry);
  return batch;
}

/** Whether `batch` (made by `withClassLists`) has built its dense label maps; false for others. */
export function labelMapsBuilt(batch: EpisodeBatch): boolean {
  return LAZY.get(batch)?.dense ?? false;
}

/**
 * The class lists of `batch` (episodes, ways), or null when its labels are used as stored (no
 * label map). A batch made by `withClassLists` gives its own (until its dense maps are read: then,
 * as for any other batch, they are built from the dense maps once per map and cached, so a map
 * must not change after its first use). Throws RangeError when a map gives a label outside
 * [0, ways) or one label to two classes (a map `validateEpisodeBatch` rejects).
 */
export function episodeClasses(batch: EpisodeBatch): Uint32Array<ArrayBuffer> | null {
  const lazy = LAZY.get(batch);
  if (lazy && !lazy.dense) return lazy.classes;
  const map = batch.labelMap;
  const W = batch.labelMapWidth;
  if (!map || W === 0) return null;
  const N = batch.ways;
  const cached = BUILT.get(map);
  if (cached && cached.ways === N && cached.classes.length === batch.episodes * N) {
    return cached.classes;
  }
  const out = new Uint32Array(batch.episodes * N).fill(LABEL_UNUSED);
  for (let e = 0; e < batch.episodes; e++) {
    const row = map.subarray(e * W, (e + 1) * W);
    for (let c = 0; c < W; c++) {
      const l = row[c]!;
      if (l === LABEL_UNUSED) continue;
      if (l >= N || out[e * N + l] !== LABEL_UNUSED) {
        throw new RangeError(
          `Invalid labelMap[${e}][${c}]: must be a distinct label in [0, ${
            N - 1
          }]: current value is ${l}`,
        );
      }
      out[e * N + l] = c;
    }
  }
  BUILT.set(map, { ways: N, classes: out });
  return out;
}

/** Width of the label maps of `batch` (its class count), 0 when its labels are used as stored. */
export function labelWidthOf(batch: EpisodeBatch): number {
  return episodeClasses(batch) ? batch.labelMapWidth : 0;
}

/**
 * The dense label-map rows (ids.length, labelMapWidth) of episodes `ids` of `batch`, built from its
 * class lists (the first position of a class that appears twice wins, as in `classListLabel`).
 */
export function labelMapRows(
  batch: EpisodeBatch,
  ids: ArrayLike<number>,
): Uint32Array<ArrayBuffer> | null {
  const classes = episodeClasses(batch);
  if (!classes) return null;
  const W = batch.labelMapWidth;
  const N = batch.ways;
  const rows = new Uint32Array(ids.length * W).fill(LABEL_UNUSED);
  for (let p = 0; p < ids.length; p++) {
    for (let k = N - 1; k >= 0; k--) {
      const c = classes[ids[p]! * N + k]!;
      if (c !== LABEL_UNUSED) rows[p * W + c] = k;
    }
  }
  return rows;
}

/**
 * The episode-local label of global class `cls` in episode `e` of class lists `classes` (rows of
 * `width`): the first k with classes[e * width + k] = cls, else `LABEL_UNUSED` (what the dense
 * label map holds for a class the episode does not use). The kernels scan the same way.
 */
export function classListLabel(
  classes: ArrayLike<number>,
  width: number,
  e: number,
  cls: number,
): number {
  let label = LABEL_UNUSED;
  for (let k = 0; k < width; k++) {
    if (classes[e * width + k] === cls && label === LABEL_UNUSED) label = k;
  }
  return label;
}
