/**
 * Look-alike classes: two letters whose canonical renders are nearly the same picture (Latin A,
 * Greek Alpha and Cyrillic A; Latin C and Cyrillic es; Latin D and Cherokee a). Similarity is the
 * cosine of the two canonical renders (28 x 28, as vectors). Letters of different scripts are
 * look-alikes from `LOOKALIKE_COSINE` (0.95; measured on the full candidate set: Latin A / Greek
 * Alpha / Cyrillic A >= 0.99, Latin C / Cyrillic es 0.965, Latin H / Cherokee mi 0.98, while Latin
 * B / E is 0.86 and Latin A / Greek Lambda 0.958), letters of one script from `SAME_SCRIPT_COSINE`
 * (0.98: near-identical, such as Latin o and O once scaled to their box). Classes are kept
 * greedily so that no look-alike pair is left in the data set, so none crosses a split.
 * @module
 */

import type { GlyphSplit } from "./scripts.ts";

/** Cosine similarity of canonical renders from which two classes count as look-alikes. */
export const LOOKALIKE_COSINE = 0.95;

/** Cosine from which two letters of the same script count as look-alikes (near-identical). */
export const SAME_SCRIPT_COSINE = 0.98;

/** Pairs whose 7 x 7 pooled cosine is below the threshold minus this are not compared in full. */
export const PRUNE_MARGIN = 0.1;

/** What look-alike detection needs of a class. */
export interface LookalikeInput {
  /** Code point. */
  codePoint: number;
  /** Its script. */
  script: string;
  /** Split of its script. */
  split: GlyphSplit;
  /** Canonical render (any fixed length). */
  canonical: Float32Array;
}

const SPLIT_RANK: Record<GlyphSplit, number> = { train: 0, validation: 1, test: 2 };

/** 7 x 7 mean pooling of a 28 x 28 image, for the coarse first test. */
function pool7(img: Float32Array): Float32Array {
  const out = new Float32Array(49);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) out[((y >> 2) * 7) + (x >> 2)]! += img[y * 28 + x]!;
  }
  return out;
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  const s = n > 0 ? 1 / Math.sqrt(n) : 0;
  return v.map((x) => x * s);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Every pair (i < j) of classes whose canonical renders have cosine >= `threshold`, with the
 * cosine. Renders must be 28 x 28. With `prune` (default), pairs whose 7 x 7 pooled cosine is
 * below `threshold - PRUNE_MARGIN` are skipped (pooling averages, so look-alikes stay close; the
 * tests compare with `prune = false`).
 */
export function lookalikePairs(
  classes: readonly LookalikeInput[],
  threshold = LOOKALIKE_COSINE,
  prune = true,
): [number, number, number][] {
  const fine = classes.map((c) => unit(c.canonical));
  const coarse = classes.map((c) => unit(pool7(c.canonical)));
  const out: [number, number, number][] = [];
  for (let i = 0; i < classes.length; i++) {
    for (let j = i + 1; j < classes.length; j++) {
      if (prune && dot(coarse[i]!, coarse[j]!) < threshold - PRUNE_MARGIN) continue;
      const cos = dot(fine[i]!, fine[j]!);
      if (cos >= threshold) out.push([i, j, cos]);
    }
  }
  return out;
}

/**
 * Indices of the classes to keep, ascending: classes are taken in split order (train, validation,
 * test), then by code point, and a class is kept when no class kept before it is its look-alike.
 * No two kept classes are look-alikes; a look-alike of a meta-train letter is dropped from
 * meta-validation and meta-test (it would leak), and within a split the lower code point stays.
 */
export function dropLookalikes(
  classes: readonly LookalikeInput[],
  threshold = LOOKALIKE_COSINE,
): { keep: number[]; dropped: [number, number, number][] } {
  const fine = classes.map((c) => unit(c.canonical));
  const coarse = classes.map((c) => unit(pool7(c.canonical)));
  const order = classes.map((_, i) => i).sort((a, b) => {
    const ca = classes[a]!, cb = classes[b]!;
    return SPLIT_RANK[ca.split] - SPLIT_RANK[cb.split] || ca.codePoint - cb.codePoint;
  });
  const kept: number[] = [];
  const dropped: [number, number, number][] = [];
  for (const i of order) {
    let like = -1, cos = 0;
    for (const k of kept) {
      if (dot(coarse[i]!, coarse[k]!) < threshold - PRUNE_MARGIN) continue;
      const c = dot(fine[i]!, fine[k]!);
      const limit = classes[i]!.script === classes[k]!.script ? SAME_SCRIPT_COSINE : threshold;
      if (c >= limit) [like, cos] = [k, c];
      if (like >= 0) break;
    }
    if (like >= 0) dropped.push([i, like, cos]);
    else kept.push(i);
  }
  return { keep: kept.sort((a, b) => a - b), dropped };
}
