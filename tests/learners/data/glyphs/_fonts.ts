// Shared by the glyph tests: whether Debian's font packages are installed. On CI (CI set) they
// must be: the tests run and fail when they are missing.
import { findFontPackages, FONT_PACKAGES } from "../../../../learners/data/glyphs/fonts.ts";

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
