/**
 * Builds the glyph data set: one call, offline and deterministic. Reads the fonts of Debian's
 * font packages, renders every class's instances, and writes the image-folder layout
 * (`<script>/U+XXXX/NN.png`), `images.u8` (all pixels) and `manifest.json` into a temporary
 * folder beside `out`, then renames it into place. A folder whose manifest has the same input key
 * is left alone ("up to date").
 * @module
 */

import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { AUGMENTATION_RANGES } from "./augment.ts";
import { MIN_INK } from "./canonical.ts";
import { GlyphsError } from "./errors.ts";
import { findFontFolders, findFontPackages, FONT_PACKAGES } from "./fonts.ts";
import { errorLine } from "../../../core/input_error.ts";
import { RASTERIZER } from "./glyph_source.ts";
import { LOOKALIKE_COSINE } from "./lookalike.ts";
import { GLYPHS_FORMAT, type GlyphsManifest, MANIFEST_FILE } from "./manifest.ts";
import { GLYPHS_SUBSETS, planGlyphs } from "./plan.ts";
import { CANVAS, GLYPH_FILL, IMAGE_SIZE, STROKE_RADIUS } from "./render.ts";
import { renderAll } from "./render_all.ts";
import { manifestOf, writeGlyphsFolder } from "./write_folder.ts";

/** Options of `buildGlyphs`. */
export interface BuildGlyphsOptions {
  /** Output folder (default: `defaultGlyphsDir(subset)`). */
  out: string;
  /** A named subset (`GLYPHS_SUBSETS`), or undefined for the full set. */
  subset?: string;
  /** Images per class (default 20). */
  instances?: number;
  /** Augmentation seed (default 0). */
  seed?: number;
  /** Debian font packages (default `FONT_PACKAGES`). */
  packages?: readonly string[];
  /** Font folders to read instead of packages (fonts Debian does not package). */
  fontDirs?: readonly string[];
  /** Progress and status lines (default: none). */
  log?: (line: string) => void;
}

/** What `buildGlyphs` did. */
export interface BuildGlyphsResult {
  /** The data set's manifest. */
  manifest: GlyphsManifest;
  /** False when the folder was already up to date. */
  built: boolean;
  /** Wall time in seconds. */
  seconds: number;
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    // A path under a file does not exist; checkOut then finds the file among the parents.
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    throw new GlyphsError(`Cannot build glyphs as ${path} cannot be read: ${errorLine(e)}`);
  }
}

/** Checks that `out` is a folder or absent and that its parent can hold a folder. */
async function checkOut(out: string): Promise<Deno.FileInfo | null> {
  const info = await statOrNull(out);
  if (info && !info.isDirectory) {
    throw new GlyphsError(`Cannot build glyphs as the output folder is a file: ${out}`);
  }
  for (let p = dirname(out);; p = dirname(p)) {
    const up = await statOrNull(p);
    if (up && !up.isDirectory) {
      throw new GlyphsError(`Cannot build glyphs as a parent of the output folder is a file: ${p}`);
    }
    if (up || dirname(p) === p) break;
  }
  return info;
}

async function readManifest(dir: string): Promise<GlyphsManifest | null> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, MANIFEST_FILE)));
  } catch {
    return null;
  }
}

/** The recipe constants that decide the images (part of the input key and the manifest). */
export function glyphsRecipe(): Record<string, unknown> {
  return {
    augmentation: AUGMENTATION_RANGES,
    canvas: CANVAS,
    image: IMAGE_SIZE,
    glyphFill: GLYPH_FILL,
    strokeRadius: STROKE_RADIUS,
    minInk: MIN_INK,
    lookalikeCosine: LOOKALIKE_COSINE,
  };
}

/**
 * Builds (or finds up to date) the glyph data set in `options.out`. Throws a GlyphsError (exit
 * code 2, one line) for a missing font package, an unreadable font file or an output folder that
 * is a file; nothing is left half-written (the build goes to a temporary folder first).
 */
export async function buildGlyphs(options: BuildGlyphsOptions): Promise<BuildGlyphsResult> {
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  const out = options.out;
  const instances = options.instances ?? 20;
  const seed = options.seed ?? 0;
  const subsetName = options.subset ?? "full";
  const subset = options.subset === undefined ? undefined : GLYPHS_SUBSETS[options.subset];
  if (options.subset !== undefined && !subset) {
    throw new GlyphsError(
      `Invalid glyphs subset: must be one of ${
        Object.keys(GLYPHS_SUBSETS).join(", ")
      }: current value is ${options.subset}`,
    );
  }
  if (!Number.isInteger(instances) || instances < 1 || instances > 1000) {
    throw new GlyphsError(
      `Invalid glyphs instances: must be an integer in [1, 1000]: current value is ${instances}`,
    );
  }
  const existing = await checkOut(out);
  const packages = options.fontDirs
    ? await findFontFolders(options.fontDirs)
    : await findFontPackages(options.packages ?? FONT_PACKAGES);
  const inputKey = createHash("sha256").update(JSON.stringify({
    format: GLYPHS_FORMAT,
    rasterizer: RASTERIZER,
    recipe: glyphsRecipe(),
    packages: packages.map((p) => [p.name, p.version, p.files]),
    subset: subsetName,
    instances,
    seed,
  })).digest("hex");
  const old = existing ? await readManifest(out) : null;
  if (old?.inputKey === inputKey) {
    log(`glyphs: ${out} is up to date (hash ${old.hash.slice(0, 16)}); nothing to do`);
    return { manifest: old, built: false, seconds: (performance.now() - t0) / 1000 };
  }
  log(`glyphs: building the ${subsetName} set into ${out}`);
  const plan = await planGlyphs(packages, { instances, subset, log });
  let last = 0;
  const pixels = await renderAll(plan.classes, plan.faces, {
    instances,
    seed,
    progress: (done, total) => {
      if (done === total || performance.now() - last > 5000) {
        last = performance.now();
        log(`glyphs: rendered ${done}/${total} images`);
      }
    },
  });
  const manifest = manifestOf(plan, pixels, {
    subset: subsetName,
    inputKey,
    instances,
    seed,
    packages,
    recipe: glyphsRecipe(),
  });
  await writeGlyphsFolder(out, manifest, pixels, log);
  const seconds = (performance.now() - t0) / 1000;
  log(
    `glyphs: ${manifest.counts.classes} classes of ${manifest.counts.scripts} scripts, ${manifest.counts.images} images in ${
      seconds.toFixed(1)
    } s; hash ${manifest.hash}`,
  );
  return { manifest, built: true, seconds };
}
