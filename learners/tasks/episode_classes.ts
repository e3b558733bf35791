/**
 * The compact form of a batch's label maps: each episode's class list, shape (episodes, ways),
 * entry k the global class whose episode-local label is k (`LABEL_UNUSED` where no class has that
 * label). Its size does not grow with the data set's class count, unlike the dense maps
 * (`EpisodeBatch.labelMap`, episodes x classes: 1.36 GB for 65,536 episodes of 5,207 glyph classes),
 * so the GPU meta loops upload it instead (learners/meta_train/gpu_loop_tables.ts) and their kernels
 * find a class's label by scanning the episode's `ways` entries (`classListLabel` is the twin).
 * @module
 */
import { type EpisodeBatch, LABEL_UNUSED } from "./task_family.ts";

/** Class lists already built, by the dense map they were built from. */
const BUILT = new WeakMap<Uint32Array, { ways: number; classes: Uint32Array<ArrayBuffer> }>();

/**
 * The class lists of `batch` (episodes, ways), or null when its labels are used as stored (no
 * label map). Built once per label map and cached; throws RangeError when a map gives a label
 * outside [0, ways) or one label to two classes (a map `validateEpisodeBatch` rejects).
 */
export function episodeClasses(batch: EpisodeBatch): Uint32Array<ArrayBuffer> | null {
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
