/**
 * The first pass of the builder: every candidate letter is rendered without augmentation in each
 * of its first fonts. Fonts whose glyph comes out blank (no outline, or almost no ink) are left
 * out; a letter keeps its first `instances` good fonts and stays a class only when they span at
 * least two families. The canonical render of a class (the mean of its fonts' renders) is what
 * look-alikes are found by.
 * @module
 */

import { IDENTITY } from "./augment.ts";
import type { Candidate, FontRef } from "./candidates.ts";
import type { FontFace } from "./fonts.ts";
import { GlyphSource } from "./glyph_source.ts";
import { IMAGE_SIZE, renderGlyph } from "./render.ts";

/** A render with less ink than this (sum of gray levels, 255 = one full pixel) counts as blank. */
export const MIN_INK = 255 * 6;

/** A candidate that passed: its fonts (at most `instances`) and canonical render. */
export interface CheckedClass extends Candidate {
  /** Good fonts in instance order, at most `instances`. */
  fonts: FontRef[];
  /** Mean of the fonts' unaugmented renders, 28 x 28 in [0, 1]. */
  canonical: Float32Array<ArrayBuffer>;
}

/** Groups work items by face so that each face is parsed once, faces in ascending order. */
export function byFace<T extends { face: number }>(items: T[]): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const it of [...items].sort((a, b) => a.face - b.face)) {
    if (!m.has(it.face)) m.set(it.face, []);
    m.get(it.face)!.push(it);
  }
  return m;
}

/**
 * Renders the first `instances + spare` fonts of every candidate unaugmented and keeps the
 * candidates with good fonts in at least two families. `progress(done, total)` is called per face.
 */
export async function checkCandidates(
  candidates: readonly Candidate[],
  faces: readonly FontFace[],
  options: { instances: number; spare: number; progress?: (done: number, total: number) => void },
): Promise<CheckedClass[]> {
  const take = options.instances + options.spare;
  const renders = candidates.map((c) =>
    new Array<Uint8Array | null>(Math.min(take, c.fonts.length))
  );
  const work = candidates.flatMap((c, ci) =>
    c.fonts.slice(0, take).map((f, slot) => ({ face: f.face, glyph: f.glyph, ci, slot }))
  );
  const groups = byFace(work);
  let done = 0;
  for (const [face, items] of groups) {
    const src = await GlyphSource.open(faces[face]!.file, faces[face]!.face);
    for (const it of items) {
      const img = renderGlyph(src.contours(it.glyph), IDENTITY);
      let ink = 0;
      for (const v of img) ink += v;
      renders[it.ci]![it.slot] = ink >= MIN_INK ? img : null;
    }
    options.progress?.(++done, groups.size);
  }
  const out: CheckedClass[] = [];
  candidates.forEach((c, ci) => {
    const good: number[] = [];
    renders[ci]!.forEach((r, slot) => {
      if (r && good.length < options.instances) good.push(slot);
    });
    const families = new Set(good.map((s) => faces[c.fonts[s]!.face]!.family));
    if (families.size < 2) return;
    const canonical = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);
    for (const s of good) {
      const r = renders[ci]![s]!;
      for (let i = 0; i < canonical.length; i++) canonical[i]! += r[i]! / (255 * good.length);
    }
    out.push({ ...c, fonts: good.map((s) => c.fonts[s]!), canonical });
  });
  return out;
}
