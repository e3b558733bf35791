/**
 * Renders one glyph image: the outline is centred on its box, scaled so the box's longer side
 * fills 70% of a 112 x 112 canvas, augmented (affine, elastic, stroke width), filled with 4 x 4
 * supersampling (nonzero winding) and averaged 4 x 4 down to 28 x 28 gray levels (ink = 255).
 * @module
 */

import { type Augmentation, ELASTIC_WAVES } from "./augment.ts";
import { contourBox, type Contours } from "./outline.ts";
import { fillNonzero } from "./scanline.ts";

/** Side of the canvas the glyph is filled on, in pixels (4 x the output side). */
export const CANVAS = 112;
/** Side of the written images, in pixels. */
export const IMAGE_SIZE = 28;
/** Fraction of the canvas the longer side of the glyph's box fills before augmentation. */
export const GLYPH_FILL = 0.7;
/** Radius in canvas pixels of the dilation and erosion behind the stroke-width change. */
export const STROKE_RADIUS = 2;

/** Maps font-unit contours (y up) to canvas pixels (y down) with the augmentation applied. */
export function placeContours(contours: Contours, aug: Augmentation): Contours {
  const [x0, y0, x1, y1] = contourBox(contours);
  const s = GLYPH_FILL * CANVAS / Math.max(x1 - x0, y1 - y0, 1e-9);
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const cos = Math.cos(aug.rotation), sin = Math.sin(aug.rotation);
  // A = R(rotation) * [[1, shear], [0, 1]] * diag(scaleX, scaleY)
  const a = cos * aug.scaleX, b = (cos * aug.shear - sin) * aug.scaleY;
  const c = sin * aug.scaleX, d = (sin * aug.shear + cos) * aug.scaleY;
  const ox = CANVAS / 2 + aug.shiftX * CANVAS, oy = CANVAS / 2 + aug.shiftY * CANVAS;
  const w = aug.waves;
  const tau = 2 * Math.PI / CANVAS;
  return contours.map((src) => {
    const out = new Float64Array(src.length);
    for (let i = 0; i < src.length; i += 2) {
      const u = (src[i]! - cx) * s, v = -(src[i + 1]! - cy) * s;
      let x = a * u + b * v + ox;
      let y = c * u + d * v + oy;
      if (aug.elastic > 0) {
        let dx = 0, dy = 0;
        for (let k = 0; k < ELASTIC_WAVES; k++) {
          const p = 3 * k, q = 3 * (k + ELASTIC_WAVES);
          dx += Math.sin(tau * (w[p]! * x + w[p + 1]! * y) + w[p + 2]!);
          dy += Math.sin(tau * (w[q]! * x + w[q + 1]! * y) + w[q + 2]!);
        }
        x += aug.elastic * dx / ELASTIC_WAVES;
        y += aug.elastic * dy / ELASTIC_WAVES;
      }
      out[i] = x;
      out[i + 1] = y;
    }
    return out;
  });
}

/** Separable max (dilate) or min (erode) filter of radius r over an n x n image (0 outside). */
function morph(img: Float32Array, n: number, r: number, dilate: boolean): Float32Array {
  const tmp = new Float32Array(img.length);
  const out = new Float32Array(img.length);
  const sign = dilate ? 1 : -1; // min(a, b) = -max(-a, -b)
  for (let pass = 0; pass < 2; pass++) {
    const src = pass === 0 ? img : tmp, dst = pass === 0 ? tmp : out;
    const step = pass === 0 ? 1 : n; // along rows, then along columns
    for (let line = 0; line < n; line++) {
      const base = pass === 0 ? line * n : line;
      for (let t = 0; t < n; t++) {
        let m = -Infinity;
        for (let k = t - r; k <= t + r; k++) {
          const v = k < 0 || k >= n ? 0 : sign * src[base + k * step]!;
          if (v > m) m = v;
        }
        dst[base + t * step] = sign * m;
      }
    }
  }
  return out;
}

/** Renders `contours` (font units) with `aug`; returns 28 x 28 gray levels, ink 255, row-major. */
export function renderGlyph(contours: Contours, aug: Augmentation): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(IMAGE_SIZE * IMAGE_SIZE);
  if (contours.length === 0) return out;
  const cov = fillNonzero(placeContours(contours, aug), CANVAS, CANVAS, 4);
  if (aug.stroke !== 0) {
    const t = Math.abs(aug.stroke);
    const m = morph(cov, CANVAS, STROKE_RADIUS, aug.stroke > 0);
    for (let i = 0; i < cov.length; i++) cov[i] = cov[i]! + t * (m[i]! - cov[i]!);
  }
  const f = CANVAS / IMAGE_SIZE;
  const acc = new Float64Array(IMAGE_SIZE * IMAGE_SIZE);
  for (let y = 0; y < CANVAS; y++) {
    const row = ((y / f) | 0) * IMAGE_SIZE;
    for (let x = 0; x < CANVAS; x++) acc[row + ((x / f) | 0)]! += cov[y * CANVAS + x]!;
  }
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.min(255, Math.round(255 * acc[i]! / (f * f)));
  }
  return out;
}
