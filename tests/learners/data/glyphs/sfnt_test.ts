import assert from "node:assert/strict";
import { join } from "node:path";
import { extractFace, faceOffsets, readFaces } from "../../../../learners/data/glyphs/sfnt.ts";
import { GlyphSource } from "../../../../learners/data/glyphs/glyph_source.ts";
import { contourBox } from "../../../../learners/data/glyphs/outline.ts";
import { DEJAVU_SANS, DEJAVU_SERIF, ignoreFonts } from "./_fonts.ts";

/** Packs two single fonts into a .ttc collection (header, then each font with shifted offsets). */
function collection(fonts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const head = 12 + 4 * fonts.length;
  const out = new Uint8Array(head + fonts.reduce((s, f) => s + ((f.length + 3) & ~3), 0));
  const v = new DataView(out.buffer);
  out.set([0x74, 0x74, 0x63, 0x66]); // "ttcf"
  v.setUint32(4, 0x00010000);
  v.setUint32(8, fonts.length);
  let at = head;
  fonts.forEach((f, i) => {
    v.setUint32(12 + 4 * i, at);
    out.set(f, at);
    const fv = new DataView(out.buffer, at);
    const n = fv.getUint16(4);
    for (let t = 0; t < n; t++) fv.setUint32(12 + 16 * t + 8, fv.getUint32(12 + 16 * t + 8) + at);
    at += (f.length + 3) & ~3;
  });
  return out;
}

Deno.test({
  name: "readFaces reads the family, style and character map of a TrueType font",
  ignore: ignoreFonts,
  fn: async () => {
    const [face] = readFaces(await Deno.readFile(DEJAVU_SANS));
    assert.equal(face!.family, "DejaVu Sans");
    assert.equal(face!.style, "Book");
    assert.ok(face!.cmap.get(0x41)! > 0);
    assert.ok(face!.cmap.get(0x416)! > 0); // Cyrillic Zhe
    assert.equal(face!.cmap.has(0x0915), false); // no Devanagari in DejaVu Sans
    for (const g of face!.cmap.values()) assert.notEqual(g, 0);
  },
});

Deno.test({
  name: "extractFace takes each face out of a .ttc collection as a font opentype.js can parse",
  ignore: ignoreFonts,
  fn: async () => {
    const sans = await Deno.readFile(DEJAVU_SANS);
    const serif = await Deno.readFile(DEJAVU_SERIF);
    const ttc = collection([sans, serif]);
    assert.equal(faceOffsets(ttc).length, 2);
    assert.deepEqual(faceOffsets(sans), [0]);
    const faces = readFaces(ttc);
    assert.deepEqual(faces.map((f) => f.family), ["DejaVu Sans", "DejaVu Serif"]);
    assert.deepEqual(faces[1]!.cmap, readFaces(serif)[0]!.cmap);
    // The extracted face holds the same tables: a glyph's outline is the same as from the file.
    const dir = await Deno.makeTempDir();
    try {
      const file = join(dir, "two.ttc");
      await Deno.writeFile(file, ttc);
      const fromTtc = await GlyphSource.open(file, 1);
      const fromTtf = await GlyphSource.open(DEJAVU_SERIF, 0);
      const g = faces[1]!.cmap.get(0x41)!;
      assert.deepEqual(fromTtc.contours(g), fromTtf.contours(g));
      assert.ok(contourBox(fromTtc.contours(g))[2] > 0);
      assert.equal(extractFace(ttc, faceOffsets(ttc)[0]!).length % 4, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("readFaces throws on bytes that are not a font", () => {
  assert.throws(() => readFaces(new TextEncoder().encode("not a font at all, sorry")), TypeError);
  assert.throws(() => readFaces(new Uint8Array(4)), TypeError);
});
