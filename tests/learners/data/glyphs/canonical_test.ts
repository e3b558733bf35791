import assert from "node:assert/strict";
import {
  type Candidate,
  checkCandidates,
  drawAugmentation,
  type FontFace,
  readFontFile,
} from "../../../../learners/data/glyphs/mod.ts";
import { DEJAVU_SANS, DEJAVU_SERIF, ignoreFonts } from "./_fonts.ts";

Deno.test({
  name: "checkCandidates drops blank fonts and keeps a letter only while two families remain",
  ignore: ignoreFonts,
  fn: async () => {
    const faces: FontFace[] = [
      ...(await readFontFile(DEJAVU_SANS)).faces,
      ...(await readFontFile(DEJAVU_SERIF)).faces,
    ];
    const space = faces[0]!.cmap.get(0x20)!; // a blank glyph, as a font with no ink would draw
    const a = (f: number) => ({ face: f, glyph: faces[f]!.cmap.get(0x41)! });
    const cand = (fonts: { face: number; glyph: number }[]): Candidate => ({
      codePoint: 0x41,
      script: "Latin",
      split: "train",
      fonts,
    });
    const [kept, dropped] = [
      cand([{ face: 0, glyph: space }, a(1), a(0)]),
      cand([{ face: 0, glyph: space }, a(1)]),
    ];
    const out = await checkCandidates([kept, dropped], faces, { instances: 20, spare: 0 });
    assert.equal(out.length, 1);
    assert.deepEqual(out[0]!.fonts, [a(1), a(0)]); // the blank font is left out, order kept
    let ink = 0;
    for (const v of out[0]!.canonical) ink += v;
    assert.ok(ink > 10, `canonical ink ${ink}`);
  },
});

Deno.test("drawAugmentation is a pure function of (seed, code point, instance) within its ranges", () => {
  const a = drawAugmentation(5, 0x41, 3);
  assert.deepEqual(drawAugmentation(5, 0x41, 3), a);
  assert.notDeepEqual(drawAugmentation(5, 0x41, 4), a);
  assert.notDeepEqual(drawAugmentation(6, 0x41, 3), a);
  for (let i = 0; i < 200; i++) {
    const g = drawAugmentation(1, 0x5d0, i);
    assert.ok(Math.abs(g.rotation) <= Math.PI / 12 + 1e-12);
    assert.ok(Math.abs(g.shear) <= 0.3 && Math.abs(g.shiftX) <= 0.08 && g.elastic <= 4);
    assert.ok(g.stroke >= -0.6 && g.stroke <= 1);
  }
});
