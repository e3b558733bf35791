/**
 * Writes a built glyph data set: the manifest from the plan, then the folder (PNGs, pixels,
 * manifest) into a temporary sibling of the target that is renamed into place, so a failed build
 * leaves nothing half-written.
 * @module
 */

import { basename, dirname, join } from "node:path";
import { GlyphsError } from "./errors.ts";
import type { FontPackage } from "./fonts.ts";
import { errorLine } from "../../../core/input_error.ts";
import { RASTERIZER } from "./glyph_source.ts";
import {
  datasetHash,
  GLYPHS_FORMAT,
  type GlyphsManifest,
  MANIFEST_FILE,
  type ManifestClass,
  PIXELS_FILE,
} from "./manifest.ts";
import { charFolder, type GlyphsPlan } from "./plan.ts";
import { encodeGrayPng } from "./png_gray.ts";
import { CANVAS, IMAGE_SIZE } from "./render.ts";
import { SPLIT_SCRIPTS } from "./scripts.ts";

/** The manifest of a planned and rendered data set. */
export function manifestOf(
  plan: GlyphsPlan,
  pixels: Uint8Array,
  o: {
    subset: string;
    inputKey: string;
    instances: number;
    seed: number;
    packages: FontPackage[];
    recipe: Record<string, unknown>;
  },
): GlyphsManifest {
  const used = [...new Set(plan.classes.flatMap((c) => c.fonts.map((f) => f.face)))].sort((a, b) =>
    a - b
  );
  const fontIndex = new Map(used.map((f, i) => [f, i]));
  const classes: ManifestClass[] = plan.classes.map((c) => ({
    name: `${c.script}/${charFolder(c.codePoint)}`,
    char: String.fromCodePoint(c.codePoint),
    codePoint: c.codePoint,
    script: c.script,
    split: c.split,
    fonts: c.fonts.map((f) => fontIndex.get(f.face)!),
  }));
  const scripts = new Set(classes.map((c) => c.script));
  const splits = {
    train: SPLIT_SCRIPTS.train.filter((s) => scripts.has(s)),
    validation: SPLIT_SCRIPTS.validation.filter((s) => scripts.has(s)),
    test: SPLIT_SCRIPTS.test.filter((s) => scripts.has(s)),
  };
  const perSplit = { train: 0, validation: 0, test: 0 };
  for (const c of classes) perSplit[c.split]++;
  return {
    format: GLYPHS_FORMAT,
    subset: o.subset,
    inputKey: o.inputKey,
    hash: datasetHash(classes, pixels),
    image: { height: IMAGE_SIZE, width: IMAGE_SIZE, canvas: CANVAS, pixels: "gray, ink 255 on 0" },
    instances: o.instances,
    seed: o.seed,
    rasterizer: { ...RASTERIZER },
    recipe: o.recipe,
    packages: o.packages.map((p) => ({ name: p.name, version: p.version })),
    fonts: used.map((f) => {
      const face = plan.faces[f]!;
      const sha256 = plan.sha256.get(face.file)!;
      return { file: face.file, face: face.face, family: face.family, style: face.style, sha256 };
    }),
    splits,
    classes,
    lookalikes: plan.lookalikes.map(([d, k, cos]) => ({
      dropped: `${d.script}/${charFolder(d.codePoint)} ${String.fromCodePoint(d.codePoint)}`,
      like: `${k.script}/${charFolder(k.codePoint)} ${String.fromCodePoint(k.codePoint)}`,
      cosine: +cos.toFixed(4),
    })),
    counts: {
      classes: classes.length,
      scripts: scripts.size,
      images: pixels.length / (IMAGE_SIZE * IMAGE_SIZE),
      perSplit,
    },
    deno: Deno.version.deno,
  };
}

/** File name of instance i: zero-padded so that name order is instance order. */
export function instanceFile(i: number, instances: number): string {
  return `${String(i).padStart(String(instances - 1).length, "0")}.png`;
}

/** Removes temporary folders that builds of `out` killed midway left (their process is gone). */
async function removeStale(out: string): Promise<void> {
  const prefix = `.${basename(out)}.`;
  for await (const e of Deno.readDir(dirname(out))) {
    const m = e.name.startsWith(prefix) && /\.(tmp|old)-(\d+)$/.exec(e.name);
    if (!m) continue;
    const alive = m[2] !== String(Deno.pid) &&
      await Deno.stat(`/proc/${m[2]}`).then(() => true, () => false);
    if (!alive) await Deno.remove(join(dirname(out), e.name), { recursive: true });
  }
}

/**
 * Writes the folder into `<out>.tmp-<pid>` and renames it to `out` (an older `out` is moved
 * aside first and removed after). On any failure the temporary folder is removed and a
 * GlyphsError names the path.
 */
export async function writeGlyphsFolder(
  out: string,
  manifest: GlyphsManifest,
  pixels: Uint8Array,
  log: (line: string) => void,
): Promise<void> {
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${Deno.pid}`);
  const aside = join(dirname(out), `.${basename(out)}.old-${Deno.pid}`);
  const size = IMAGE_SIZE * IMAGE_SIZE;
  try {
    await Deno.mkdir(dirname(out), { recursive: true });
    await removeStale(out);
    await Deno.mkdir(tmp);
    let last = performance.now();
    for (let c = 0; c < manifest.classes.length; c++) {
      const dir = join(tmp, manifest.classes[c]!.name);
      await Deno.mkdir(dir, { recursive: true });
      for (let i = 0; i < manifest.instances; i++) {
        const at = (c * manifest.instances + i) * size;
        const png = encodeGrayPng(pixels.subarray(at, at + size), IMAGE_SIZE, IMAGE_SIZE);
        await Deno.writeFile(join(dir, instanceFile(i, manifest.instances)), png);
      }
      if (performance.now() - last > 5000) {
        last = performance.now();
        log(`glyphs: wrote ${c + 1}/${manifest.classes.length} class folders`);
      }
    }
    await Deno.writeFile(join(tmp, PIXELS_FILE), pixels);
    await Deno.writeTextFile(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + "\n");
    const had = await Deno.stat(out).then(() => true, () => false);
    if (had) await Deno.rename(out, aside);
    await Deno.rename(tmp, out);
    if (had) await Deno.remove(aside, { recursive: true });
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    if (e instanceof GlyphsError) throw e;
    throw new GlyphsError(`Cannot write glyphs as ${out} cannot be written: ${errorLine(e)}`);
  }
}
