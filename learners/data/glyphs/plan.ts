/**
 * Plans a glyph data set: reads the font packages, finds the candidate letters, renders them
 * unaugmented to drop blank fonts, drops look-alikes, and orders the classes as the image-folder
 * loader does (script folder, then character folder, by code unit).
 * @module
 */

import { findCandidates } from "./candidates.ts";
import { checkCandidates, type CheckedClass } from "./canonical.ts";
import { type FontFace, type FontPackage, readFontFile } from "./fonts.ts";
import { dropLookalikes } from "./lookalike.ts";

/** A restriction of the data set to a few scripts and letters, for tests and quick runs. */
export interface GlyphsSubset {
  /** Scripts kept. */
  scripts: readonly string[];
  /** Letters kept per script: the lowest code points (before look-alikes are dropped). */
  perScript: number;
}

/**
 * Named subsets. `small`: 12 letters of each of 6 scripts in all three splits, with Latin,
 * Greek, Cyrillic and Cherokee look-alikes among them (about 60 classes, seconds to build).
 */
export const GLYPHS_SUBSETS: Record<string, GlyphsSubset> = {
  small: {
    scripts: ["Latin", "Greek", "Cyrillic", "Hebrew", "Cherokee", "Armenian"],
    perScript: 12,
  },
};

/** The planned data set. */
export interface GlyphsPlan {
  /** Every face of every package file, in file then face order. */
  faces: FontFace[];
  /** SHA-256 of each font file. */
  sha256: Map<string, string>;
  /** The classes, in data-set order. */
  classes: CheckedClass[];
  /** Look-alikes dropped: [dropped, kept, cosine]. */
  lookalikes: [CheckedClass, CheckedClass, number][];
}

/** Folder name of a class's letter: "U+0041". */
export function charFolder(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Plans the data set from the packages' fonts; `log` gets progress lines. */
export async function planGlyphs(
  packages: readonly FontPackage[],
  options: { instances: number; subset?: GlyphsSubset; log: (line: string) => void },
): Promise<GlyphsPlan> {
  const faces: FontFace[] = [];
  const sha256 = new Map<string, string>();
  for (const p of packages) {
    for (const file of p.files) {
      const r = await readFontFile(file);
      faces.push(...r.faces);
      sha256.set(file, r.sha256);
    }
  }
  let candidates = findCandidates(faces);
  const sub = options.subset;
  if (sub) {
    const seen = new Map<string, number>();
    candidates = candidates.filter((c) => {
      if (!sub.scripts.includes(c.script)) return false;
      const n = seen.get(c.script) ?? 0;
      seen.set(c.script, n + 1);
      return n < sub.perScript;
    });
  }
  options.log(
    `glyphs: ${faces.length} font faces, ${candidates.length} letters in >= 2 families; checking fonts`,
  );
  let last = 0;
  const checked = await checkCandidates(candidates, faces, {
    instances: options.instances,
    spare: 4,
    progress: (done, total) => {
      if (done === total || performance.now() - last > 5000) {
        last = performance.now();
        options.log(`glyphs: checked fonts ${done}/${total}`);
      }
    },
  });
  const { keep, dropped } = dropLookalikes(checked);
  const key = (c: CheckedClass) => [c.script, charFolder(c.codePoint)];
  const classes = keep.map((i) => checked[i]!).sort((a, b) => {
    const [sa, fa] = key(a), [sb, fb] = key(b);
    return sa! < sb! ? -1 : sa! > sb! ? 1 : fa! < fb! ? -1 : fa! > fb! ? 1 : 0;
  });
  return {
    faces,
    sha256,
    classes,
    lookalikes: dropped.map(([d, k, cos]) => [checked[d]!, checked[k]!, cos]),
  };
}
