/**
 * A sample sheet of the glyph benchmark: a PNG grid, one row per class (spread over the scripts
 * of all three splits), one column per instance, dark ink on white.
 * @module
 */

import type { GlyphsData } from "./load.ts";
import { encodeGrayPng } from "./png_gray.ts";

/** Renders rows of `instances` images for `classes` classes picked evenly over the class list. */
export function sampleSheet(
  g: GlyphsData,
  options: { classes: number; instances: number },
): { png: Uint8Array<ArrayBuffer>; rows: string[] } {
  const { height: h, width: w } = g.dataset;
  const m = g.manifest;
  const nc = Math.min(options.classes, m.classes.length);
  const ni = Math.min(options.instances, m.instances);
  const gap = 2;
  const W = ni * (w + gap) + gap, H = nc * (h + gap) + gap;
  const img = new Uint8Array(W * H).fill(255);
  const rows: string[] = [];
  for (let r = 0; r < nc; r++) {
    const c = Math.floor((r * m.classes.length) / nc);
    rows.push(`${m.classes[c]!.name} ${m.classes[c]!.char}`);
    for (let i = 0; i < ni; i++) {
      const at = (c * m.instances + i) * h * w;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = g.dataset.x[at + y * w + x]!;
          img[(gap + r * (h + gap) + y) * W + gap + i * (w + gap) + x] = Math.round(255 * (1 - v));
        }
      }
    }
  }
  return { png: encodeGrayPng(img, W, H, { compress: true }), rows };
}
