import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { PNG } from "pngjs";
import { encodeGrayPng } from "../../../../learners/data/glyphs/png_gray.ts";

Deno.test("encodeGrayPng writes a PNG that pngjs decodes to the same gray levels", () => {
  for (const [w, h] of [[28, 28], [3, 1], [300, 250]] as const) {
    const px = Uint8Array.from({ length: w * h }, (_, i) => (i * 37 + (i >> 3)) & 255);
    for (const compress of [false, true]) {
      const bytes = encodeGrayPng(px, w, h, { compress });
      const png = PNG.sync.read(Buffer.from(bytes));
      assert.equal(png.width, w);
      assert.equal(png.height, h);
      for (let i = 0; i < w * h; i++) assert.equal(png.data[4 * i], px[i], `pixel ${i}, ${w}x${h}`);
    }
  }
  assert.throws(() => encodeGrayPng(new Uint8Array(5), 2, 2), RangeError);
});
