/**
 * Glyph outlines from font files through opentype.js (npm, pure JavaScript): a face is parsed once
 * (`lowMemory`, glyphs read on demand), and a glyph is asked for by its index from our own
 * character map, so a missing letter is never drawn from another font.
 * @module
 */

import opentype from "opentype.js";
import { GlyphsError } from "./errors.ts";
import { errorLine } from "../../../core/input_error.ts";
import { type Contours, flattenPath, type PathCommand } from "./outline.ts";
import { extractFace, faceOffsets } from "./sfnt.ts";

/** The rasterizer named in the manifest: opentype.js's outlines and this project's fill. */
export const RASTERIZER = {
  name: "opentype.js outlines + metaforge nonzero scanline fill (4x4 supersampling)",
  /** Keep equal to the version pinned in deno.json (a test checks). */
  opentypeVersion: "2.0.0",
  /** Version of the project's own outline flattening, fill and augmentation. */
  fillVersion: 1,
} as const;

interface OtFont {
  unitsPerEm: number;
  glyphs: { get(i: number): { path: { commands: PathCommand[] } } };
}

/** One parsed face: outlines by glyph index. */
export class GlyphSource {
  #font: OtFont;

  private constructor(font: OtFont) {
    this.#font = font;
  }

  /** Parses face `face` of `file`; a GlyphsError names the file when it cannot be parsed. */
  static async open(file: string, face: number): Promise<GlyphSource> {
    try {
      const bytes = await Deno.readFile(file);
      const offset = faceOffsets(bytes)[face];
      if (offset === undefined) throw new RangeError(`face ${face} not in file`);
      const own = extractFace(bytes, offset);
      const buffer = own.buffer.slice(own.byteOffset, own.byteOffset + own.byteLength);
      const parse = (opentype as unknown as { parse(b: ArrayBuffer, o: object): OtFont }).parse;
      return new GlyphSource(parse(buffer, { lowMemory: true }));
    } catch (e) {
      throw new GlyphsError(
        `Cannot build glyphs as a font file cannot be parsed: ${errorLine(e)} (file: ${file})`,
      );
    }
  }

  /** The flattened outline of glyph `index` (font units, y up); [] for an empty glyph. */
  contours(index: number): Contours {
    const glyph = this.#font.glyphs.get(index);
    return flattenPath(glyph?.path?.commands ?? [], this.#font.unitsPerEm);
  }
}
