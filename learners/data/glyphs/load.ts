/**
 * Loading the glyph data set: the default cache folder, `loadGlyphs` (an image data set with the
 * class split by script, what `RealEpisodes` takes) and `ensureGlyphs` (builds it first when the
 * folder has no data set).
 * @module
 */

import { join } from "node:path";
import type { ClassSplit } from "../class_split.ts";
import type { ImageDataset } from "../image_dataset.ts";
import { buildGlyphs } from "./build.ts";
import { GlyphsError } from "./errors.ts";
import { errorLine } from "../../../core/input_error.ts";
import { datasetHash, type GlyphsManifest, MANIFEST_FILE, PIXELS_FILE } from "./manifest.ts";
import type { GlyphSplit } from "./scripts.ts";

/** A loaded glyph data set. */
export interface GlyphsData {
  /** Every image: 28 x 28 gray in [0, 1] (ink 1), class ids in manifest order. */
  dataset: ImageDataset;
  /** Class ids of meta-train, meta-validation and meta-test (split by script). */
  split: ClassSplit;
  /** Scripts of each split. */
  scripts: Record<GlyphSplit, string[]>;
  /** The manifest. */
  manifest: GlyphsManifest;
  /** The folder it was loaded from. */
  dir: string;
}

/**
 * Default folder of a built set: `$METAFORGE_GLYPHS_DIR` if set, else
 * `$XDG_CACHE_HOME/metaforge/glyphs` (or `~/.cache/metaforge/glyphs`); a subset gets
 * `glyphs-<subset>` beside it.
 */
export function defaultGlyphsDir(subset?: string): string {
  const base = Deno.env.get("METAFORGE_GLYPHS_DIR");
  if (base) return subset ? `${base}-${subset}` : base;
  const cache = Deno.env.get("XDG_CACHE_HOME") ||
    join(Deno.env.get("HOME") ?? Deno.cwd(), ".cache");
  return join(cache, "metaforge", subset ? `glyphs-${subset}` : "glyphs");
}

/**
 * Loads a built data set from `dir` and checks its pixels against the manifest's hash. Throws a
 * GlyphsError naming the file when it is missing, unreadable or does not match.
 */
export async function loadGlyphs(dir: string): Promise<GlyphsData> {
  let manifest: GlyphsManifest;
  let pixels: Uint8Array;
  try {
    manifest = JSON.parse(await Deno.readTextFile(join(dir, MANIFEST_FILE)));
    pixels = await Deno.readFile(join(dir, PIXELS_FILE));
  } catch (e) {
    throw new GlyphsError(
      `Cannot load glyphs as ${dir} holds no readable data set (build it with deno task data glyphs): ${
        errorLine(e)
      }`,
    );
  }
  const { height, width } = manifest.image;
  const inputs = height * width;
  const count = manifest.classes.length * manifest.instances;
  if (pixels.length !== count * inputs || datasetHash(manifest.classes, pixels) !== manifest.hash) {
    throw new GlyphsError(
      `Cannot load glyphs as ${join(dir, PIXELS_FILE)} does not match the hash in its manifest`,
    );
  }
  const x = new Float32Array(count * inputs);
  for (let i = 0; i < x.length; i++) x[i] = pixels[i]! / 255;
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) y[i] = Math.floor(i / manifest.instances);
  const ids = (s: GlyphSplit) =>
    Uint32Array.from(manifest.classes.flatMap((c, i) => (c.split === s ? [i] : [])));
  return {
    dataset: {
      count,
      inputs,
      targetWidth: 1,
      classes: manifest.classes.length,
      x,
      y,
      height,
      width,
      classNames: manifest.classes.map((c) => c.name),
    },
    split: {
      classes: manifest.classes.length,
      train: ids("train"),
      validation: ids("validation"),
      test: ids("test"),
    },
    scripts: manifest.splits,
    manifest,
    dir,
  };
}

/** Options of `ensureGlyphs`. */
export interface EnsureGlyphsOptions {
  /** Folder (default `defaultGlyphsDir(subset)`). */
  dir?: string;
  /** A named subset, or undefined for the full set. */
  subset?: string;
  /** Progress lines of a build (default: none). */
  log?: (line: string) => void;
}

/** Loads the data set, building it first (with progress to `log`) when the folder has none. */
export async function ensureGlyphs(options: EnsureGlyphsOptions = {}): Promise<GlyphsData> {
  const dir = options.dir ?? defaultGlyphsDir(options.subset);
  const present = await Deno.stat(join(dir, MANIFEST_FILE)).then(() => true, () => false);
  if (!present) await buildGlyphs({ out: dir, subset: options.subset, log: options.log });
  return await loadGlyphs(dir);
}

/** The images of classes `ids` only, relabelled 0..ids.length-1 in the order given. */
export function selectClasses(d: ImageDataset, ids: ArrayLike<number>): ImageDataset {
  const relabel = new Map<number, number>();
  Array.from(ids).forEach((c, i) => relabel.set(c, i));
  const rows: number[] = [];
  for (let i = 0; i < d.count; i++) if (relabel.has(d.y[i]!)) rows.push(i);
  const x = new Float32Array(rows.length * d.inputs);
  const y = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    x.set(d.x.subarray(r * d.inputs, (r + 1) * d.inputs), i * d.inputs);
    y[i] = relabel.get(d.y[r]!)!;
  });
  return {
    ...d,
    count: rows.length,
    classes: relabel.size,
    x,
    y,
    classNames: Array.from(ids).map((c) => d.classNames[c]!),
  };
}
