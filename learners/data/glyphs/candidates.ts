/**
 * Candidate classes of the glyph data set: every letter of a listed script that at least two
 * font families map to a glyph, with its fonts in the order instances use them (families taken in
 * turn, each family's styles from Regular outward), so the first instances already span families.
 * @module
 */

import type { FontFace } from "./fonts.ts";
import { type GlyphSplit, letterScript, splitOfScript } from "./scripts.ts";

/** One font that has a glyph for a letter. */
export interface FontRef {
  /** Index of the face in the builder's face list. */
  face: number;
  /** Glyph index in that face (never 0, the .notdef box). */
  glyph: number;
}

/** A letter and the fonts it can be drawn from. */
export interface Candidate {
  /** The letter's code point. */
  codePoint: number;
  /** Its script. */
  script: string;
  /** The split of its script. */
  split: GlyphSplit;
  /** Fonts in instance order. */
  fonts: FontRef[];
}

/** Styles in the order a family's faces are used; other styles follow, alphabetically. */
const STYLE_ORDER = [
  "Regular",
  "Bold",
  "Light",
  "Black",
  "Medium",
  "Thin",
  "SemiBold",
  "ExtraLight",
  "ExtraBold",
  "Italic",
  "Bold Italic",
  "Condensed",
  "Condensed Bold",
  "ExtraCondensed",
  "SemiCondensed",
  "Book",
  "Oblique",
  "Bold Oblique",
];

function styleRank(style: string): number {
  const i = STYLE_ORDER.indexOf(style);
  return i < 0 ? STYLE_ORDER.length : i;
}

/** Orders the faces of one letter: families alphabetically, in turn, each from Regular outward. */
function instanceOrder(faces: readonly FontFace[], refs: FontRef[]): FontRef[] {
  const byFamily = new Map<string, FontRef[]>();
  for (const r of refs) {
    const f = faces[r.face]!.family;
    if (!byFamily.has(f)) byFamily.set(f, []);
    byFamily.get(f)!.push(r);
  }
  const key = (r: FontRef) => faces[r.face]!;
  const lists = [...byFamily.keys()].sort().map((f) =>
    byFamily.get(f)!.sort((a, b) => {
      const fa = key(a), fb = key(b);
      return styleRank(fa.style) - styleRank(fb.style) ||
        (fa.style < fb.style ? -1 : fa.style > fb.style ? 1 : 0) ||
        (fa.file < fb.file ? -1 : fa.file > fb.file ? 1 : 0) || fa.face - fb.face;
    })
  );
  const out: FontRef[] = [];
  for (let round = 0; out.length < refs.length; round++) {
    for (const l of lists) if (round < l.length) out.push(l[round]!);
  }
  return out;
}

/**
 * The candidates: letters of listed scripts mapped by at least `minFamilies` families, ascending
 * by code point, each with its fonts in instance order.
 */
export function findCandidates(faces: readonly FontFace[], minFamilies = 2): Candidate[] {
  const refs = new Map<number, FontRef[]>();
  faces.forEach((f, face) => {
    for (const [cp, glyph] of f.cmap) {
      let l = refs.get(cp);
      if (!l) refs.set(cp, l = []);
      l.push({ face, glyph });
    }
  });
  const out: Candidate[] = [];
  for (const cp of [...refs.keys()].sort((a, b) => a - b)) {
    const list = refs.get(cp)!;
    if (new Set(list.map((r) => faces[r.face]!.family)).size < minFamilies) continue;
    const script = letterScript(cp);
    if (script === undefined) continue;
    out.push({
      codePoint: cp,
      script,
      split: splitOfScript(script)!,
      fonts: instanceOrder(faces, list),
    });
  }
  return out;
}
