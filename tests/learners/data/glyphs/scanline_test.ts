import assert from "node:assert/strict";
import { fillNonzero } from "../../../../learners/data/glyphs/scanline.ts";
import { Rng } from "../../../../core/rng.ts";

/** Plain-loop twin: each sample's winding number by summing edge crossings of a ray to the right. */
function fillTwin(contours: Float64Array[], w: number, h: number, ss: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let py = 0; py < h; py++) {
    for (let px = 0; px < w; px++) {
      let inside = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = px + (sx + 0.5) / ss, y = py + (sy + 0.5) / ss;
          let wind = 0;
          for (const c of contours) {
            for (let i = 0; i < c.length; i += 2) {
              const x0 = c[i]!,
                y0 = c[i + 1]!,
                x1 = c[(i + 2) % c.length]!,
                y1 = c[(i + 3) % c.length]!;
              const lo = Math.min(y0, y1), hi = Math.max(y0, y1);
              if (y0 === y1 || y < lo || y >= hi) continue;
              const xc = x0 + (y - y0) * (x1 - x0) / (y1 - y0);
              if (xc <= x) wind += y1 > y0 ? 1 : -1;
            }
          }
          if (wind !== 0) inside++;
        }
      }
      out[py * w + px] = inside / (ss * ss);
    }
  }
  return out;
}

const square = (x0: number, y0: number, x1: number, y1: number, cw = true) =>
  Float64Array.from(cw ? [x0, y0, x1, y0, x1, y1, x0, y1] : [x0, y0, x0, y1, x1, y1, x1, y0]);

Deno.test("fillNonzero covers an axis-aligned square exactly, with partial edge pixels", () => {
  const img = fillNonzero([square(1, 1, 3.5, 3)], 5, 4, 4);
  assert.equal(img[1 * 5 + 1], 1);
  assert.equal(img[1 * 5 + 3], 0.5);
  assert.equal(img[0], 0);
  assert.equal(img.reduce((s, v) => s + v, 0), 2.5 * 2);
});

Deno.test("fillNonzero fills overlaps by the nonzero rule and leaves counter-wound holes empty", () => {
  const same = fillNonzero([square(0, 0, 4, 4), square(2, 2, 6, 6)], 8, 8, 4);
  assert.equal(same[3 * 8 + 3], 1); // overlap of two same-direction squares: inside
  const hole = fillNonzero([square(0, 0, 6, 6), square(2, 2, 4, 4, false)], 8, 8, 4);
  assert.equal(hole[3 * 8 + 3], 0); // opposite direction: a hole
  assert.equal(hole[1 * 8 + 1], 1);
});

Deno.test("fillNonzero matches its plain-loop twin on seeded random polygons (sizes not multiples of 4)", () => {
  const rng = new Rng(11);
  let empty = 0, full = 0, partial = 0;
  for (let t = 0; t < 12; t++) {
    const w = 5 + Math.floor(rng.uniform() * 9), h = 3 + Math.floor(rng.uniform() * 9);
    const contours = Array.from({ length: 1 + (t % 3) }, () =>
      Float64Array.from(
        { length: 2 * (3 + Math.floor(rng.uniform() * 6)) },
        (_, i) => (i % 2 === 0 ? w : h) * (1.4 * rng.uniform() - 0.2),
      ));
    const ss = 1 + (t % 4);
    const got = fillNonzero(contours, w, h, ss), want = fillTwin(contours, w, h, ss);
    for (let i = 0; i < got.length; i++) {
      assert.ok(
        Math.abs(got[i]! - want[i]!) <= 1e-6,
        `case ${t} pixel ${i}: ${got[i]} vs ${want[i]}`,
      );
    }
    for (const v of want) v === 0 ? empty++ : v === 1 ? full++ : partial++;
  }
});
