// Shared by the glyph tests: whether Debian's font packages are installed (on CI, with CI set, they
// must be: the tests run and fail when they are missing), and a built small subset.
import { join } from "node:path";
import { findFontPackages, FONT_PACKAGES } from "../../../../learners/data/glyphs/fonts.ts";
import {
  defaultGlyphsDir,
  ensureGlyphs,
  type GlyphsData,
} from "../../../../learners/data/glyphs/load.ts";

let installed = true;
try {
  await findFontPackages(FONT_PACKAGES);
} catch {
  installed = false;
}

/** True when the font tests cannot run here (packages missing, not on CI). */
export const ignoreFonts = !installed && !Deno.env.get("CI");
if (ignoreFonts) {
  console.log(`Skipping glyph font tests: apt-get install ${FONT_PACKAGES.join(" ")}`);
}

/** A DejaVu font file that fonts-dejavu-core installs. */
export const DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
/** A DejaVu font file of another family. */
export const DEJAVU_SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf";

/**
 * Runs `fn` with the folder of a built small subset: the one CI builds first with
 * `deno task data glyphs --subset small` ($METAFORGE_GLYPHS_DIR set), else a temporary one
 * (built by `ensureGlyphs` in `fn`, removed after).
 */
export async function withSmallSubset(fn: (dir: string) => Promise<void>): Promise<void> {
  if (Deno.env.get("METAFORGE_GLYPHS_DIR")) return await fn(defaultGlyphsDir("small"));
  const temp = await Deno.makeTempDir({ prefix: "glyphs-test-" });
  try {
    await fn(join(temp, "small"));
  } finally {
    await Deno.remove(temp, { recursive: true });
  }
}

/**
 * A font test (skipped as `ignoreFonts` says) that runs `fn` on the small subset, built by
 * `ensureGlyphs` when absent, and its folder.
 */
export function smallSubsetTest(
  name: string,
  fn: (g: GlyphsData, dir: string) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: ignoreFonts,
    sanitizeResources: false,
    fn: () =>
      withSmallSubset(async (dir) => await fn(await ensureGlyphs({ dir, subset: "small" }), dir)),
  });
}
