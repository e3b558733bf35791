/**
 * The second pass of the builder: every image of every class, face by face (each face parsed
 * once). Image (class c, instance i) is drawn in font fonts[i mod n] of its class with the
 * augmentation `drawAugmentation(seed, codePoint, i)`, so it depends on nothing else.
 * @module
 */

import { drawAugmentation } from "./augment.ts";
import type { CheckedClass } from "./canonical.ts";
import { byFace } from "./canonical.ts";
import type { FontFace } from "./fonts.ts";
import { GlyphSource } from "./glyph_source.ts";
import { IMAGE_SIZE, renderGlyph } from "./render.ts";

/** Renders one image alone: class `cls`, instance `instance` (the same bytes as in a build). */
export async function renderInstance(
  cls: CheckedClass,
  faces: readonly FontFace[],
  instance: number,
  seed: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const f = cls.fonts[instance % cls.fonts.length]!;
  const src = await GlyphSource.open(faces[f.face]!.file, faces[f.face]!.face);
  return renderGlyph(src.contours(f.glyph), drawAugmentation(seed, cls.codePoint, instance));
}

/**
 * Renders `instances` images of every class into one buffer, class-major then instance,
 * 28 x 28 each. `progress(done, total)` is called after each face.
 */
export async function renderAll(
  classes: readonly CheckedClass[],
  faces: readonly FontFace[],
  options: { instances: number; seed: number; progress?: (done: number, total: number) => void },
): Promise<Uint8Array<ArrayBuffer>> {
  const n = options.instances;
  const size = IMAGE_SIZE * IMAGE_SIZE;
  const out = new Uint8Array(classes.length * n * size);
  const work = classes.flatMap((c, ci) =>
    Array.from({ length: n }, (_, i) => {
      const f = c.fonts[i % c.fonts.length]!;
      return { face: f.face, glyph: f.glyph, ci, i };
    })
  );
  let done = 0;
  for (const [face, items] of byFace(work)) {
    const src = await GlyphSource.open(faces[face]!.file, faces[face]!.face);
    let glyph = -1;
    let contours = src.contours(items[0]!.glyph);
    for (const it of items) {
      if (it.glyph !== glyph) [glyph, contours] = [it.glyph, src.contours(it.glyph)];
      const cls = classes[it.ci]!;
      const img = renderGlyph(contours, drawAugmentation(options.seed, cls.codePoint, it.i));
      out.set(img, (it.ci * n + it.i) * size);
    }
    done += items.length;
    options.progress?.(done, work.length);
  }
  return out;
}
