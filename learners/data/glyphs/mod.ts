/**
 * `glyphs`: a many-class few-shot benchmark rendered offline from Debian's font packages, in the
 * image-folder layout (`<script>/U+XXXX/NN.png`, 28 x 28, ink 255 on 0) with a manifest. Classes
 * are letters present in at least two font families; the script is the alphabet, and meta-train,
 * meta-validation and meta-test are fixed lists of scripts (`SPLIT_SCRIPTS`).
 *
 * Build it with `deno task data glyphs [--out DIR] [--subset small]` (or `buildGlyphs`); load the
 * three splits with `ensureGlyphs` (builds first when absent) or `loadGlyphs(dir)`. They read
 * `images.u8` and check its hash (full set: 2.3 s, where `loadImageFolder` decodes the 104,140
 * PNGs in 22 s); class ids follow the manifest, which is the image-folder loader's order too.
 *
 * @example
 * ```ts ignore
 * import { ensureGlyphs } from "./mod.ts";
 * import { downsample } from "../preprocess.ts";
 * import { RealEpisodes } from "../../tasks/real_episodes.ts";
 *
 * const g = await ensureGlyphs(); // default folder: defaultGlyphsDir()
 * const data = downsample(g.dataset, 2); // 14 x 14 = 196 inputs
 * // Class ids per split: g.split.train, g.split.validation, g.split.test (disjoint scripts).
 * const train = new RealEpisodes(data, g.split.train, { ways: 5, shots: 1, queryPerClass: 5 });
 * const test = new RealEpisodes(data, g.split.test, { ways: 20, shots: 1, queryPerClass: 15 });
 * ```
 * @module
 */

export * from "./errors.ts";
export * from "./scripts.ts";
export * from "./fonts.ts";
export * from "./sfnt.ts";
export * from "./outline.ts";
export * from "./scanline.ts";
export * from "./augment.ts";
export * from "./render.ts";
export * from "./glyph_source.ts";
export * from "./candidates.ts";
export * from "./canonical.ts";
export * from "./lookalike.ts";
export * from "./plan.ts";
export * from "./render_all.ts";
export * from "./png_gray.ts";
export * from "./manifest.ts";
export * from "./write_folder.ts";
export * from "./build.ts";
export * from "./load.ts";
export * from "./report.ts";
export * from "./sample_sheet.ts";
