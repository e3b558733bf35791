/**
 * The manifest of a built glyph data set (`manifest.json` beside the images): what it was built
 * from (package versions, SHA-256 of each font file, rasterizer, seeds, augmentation ranges), its
 * classes and splits, and one data-set hash over the class list and every pixel.
 * @module
 */

import { createHash } from "node:crypto";
import type { GlyphSplit } from "./scripts.ts";

/** Version of the build recipe; a change here rebuilds every cached data set. */
export const GLYPHS_FORMAT = 1;

/** One class of the manifest. */
export interface ManifestClass {
  /** Folder below the root: "<script>/U+XXXX". */
  name: string;
  /** The letter. */
  char: string;
  /** Its code point. */
  codePoint: number;
  /** Its script (the alphabet). */
  script: string;
  /** Its split. */
  split: GlyphSplit;
  /** Index into `fonts` of the font of each instance (instance i uses fonts[i mod length]). */
  fonts: number[];
}

/** The manifest of a built data set. */
export interface GlyphsManifest {
  /** Build recipe version. */
  format: number;
  /** "full" or the subset's name. */
  subset: string;
  /** SHA-256 of the inputs that decide the data set (the cache key). */
  inputKey: string;
  /** SHA-256 over the class list and the pixels of every image, in class then instance order. */
  hash: string;
  /** Image side (28), canvas side (112), pixel meaning. */
  image: { height: number; width: number; canvas: number; pixels: string };
  /** Instances per class. */
  instances: number;
  /** Seed of the augmentation (image (c, i) uses rngUniform(seed, codePoint, i, k)). */
  seed: number;
  /** Rasterizer name and versions. */
  rasterizer: Record<string, unknown>;
  /** Augmentation ranges, blank threshold, look-alike threshold. */
  recipe: Record<string, unknown>;
  /** Debian packages and versions. */
  packages: { name: string; version: string }[];
  /** Font faces used: file, face index, family, style, SHA-256 of the file. */
  fonts: { file: string; face: number; family: string; style: string; sha256: string }[];
  /** Scripts of each split (the fixed lists, restricted to the scripts built). */
  splits: Record<GlyphSplit, string[]>;
  /** Classes in data-set order (class id = position). */
  classes: ManifestClass[];
  /** Letters dropped as look-alikes of a kept class, with the cosine of their canonical renders. */
  lookalikes: { dropped: string; like: string; cosine: number }[];
  /** Counts. */
  counts: {
    classes: number;
    scripts: number;
    images: number;
    perSplit: Record<GlyphSplit, number>;
  };
  /** Deno version of the build (not part of the hash). */
  deno: string;
}

/** File names inside a built data set folder. */
export const MANIFEST_FILE = "manifest.json";
/** Every image's pixels, uint8, class-major then instance, 28 x 28 row-major each. */
export const PIXELS_FILE = "images.u8";

/** The data-set hash: SHA-256 of the class names and splits (JSON) followed by the pixels. */
export function datasetHash(classes: readonly ManifestClass[], pixels: Uint8Array): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(classes.map((c) => [c.name, c.split])));
  h.update(pixels);
  return h.digest("hex");
}
