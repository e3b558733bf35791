/**
 * Omniglot-style image folders: `root/<alphabet>/<character>/*.png` (depth 2) or
 * `root/<class>/*.png` (depth 1). Each leaf folder is one class; images are decoded with pngjs,
 * converted to grayscale and must all have the same size.
 * @module
 */

import { Buffer } from "node:buffer";
import { join } from "node:path";
import { PNG } from "pngjs";
import { InputError } from "../../core/input_error.ts";
import { fsReason, readInputBytes } from "../../core/input_files.ts";
import type { ImageDataset } from "./image_dataset.ts";

/** Options of `loadImageFolder`. */
export interface ImageFolderOptions {
  /** Folder levels above the images: 2 = root/alphabet/character (default), 1 = root/class. */
  depth?: 1 | 2;
  /** Store 1 - gray, so dark strokes on white (Omniglot) become 1 (default false). */
  invert?: boolean;
}

/**
 * Loads every PNG below `root` into an image data set. Folders and files are taken in sorted
 * (code point) order, so class ids are stable; class names are the relative folder paths
 * ("alphabet/character"). Pixels: gray = (0.299 R + 0.587 G + 0.114 B) / 255 composited over
 * white by alpha (gray*a + (1 - a)), in [0, 1]; inverted when `options.invert`. Files other than
 * `*.png` are ignored. Throws a one-line InputError naming the root, folder or file for a
 * missing root, a folder with no classes or no PNGs, an undecodable PNG or a size mismatch.
 */
export async function loadImageFolder(
  root: string,
  options: ImageFolderOptions = {},
): Promise<ImageDataset> {
  const depth = options.depth ?? 2;
  if (depth !== 1 && depth !== 2) {
    throw new InputError(
      `Cannot load image folder as depth must be 1 or 2: current value is ${depth}`,
    );
  }
  await checkRoot(root);
  const classDirs = await listClassDirs(root, depth);
  const images = new ImageRows(options.invert ?? false);
  for (let c = 0; c < classDirs.length; c++) {
    const dir = join(root, classDirs[c]!);
    for (const file of await listPngs(dir)) await images.add(file, c);
  }
  return images.dataset(classDirs);
}

/** Throws a one-line InputError unless `root` is a readable folder. */
async function checkRoot(root: string): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await Deno.stat(root)).isDirectory;
  } catch (err) {
    throw new InputError(
      `Cannot load image folder as root must be a readable folder: ${
        fsReason(err)
      } (folder: ${root})`,
      { file: root },
    );
  }
  if (!isDirectory) {
    throw new InputError(
      `Cannot load image folder as root must be a folder: it is a file (folder: ${root})`,
      { file: root },
    );
  }
}

/** The class folders below `root` ("class" at depth 1, "alphabet/character" at depth 2), sorted. */
async function listClassDirs(root: string, depth: 1 | 2): Promise<string[]> {
  const classDirs: string[] = [];
  if (depth === 1) {
    classDirs.push(...await subdirs(root));
  } else {
    for (const alphabet of await subdirs(root)) {
      const chars = await subdirs(join(root, alphabet));
      if (chars.length === 0) {
        throw new InputError(
          `Cannot load image folder as an alphabet folder must hold character folders: current count is 0 (folder: ${
            join(root, alphabet)
          })`,
        );
      }
      for (const c of chars) classDirs.push(`${alphabet}/${c}`);
    }
  }
  if (classDirs.length === 0) {
    throw new InputError(
      `Cannot load image folder as root must hold class folders: current count is 0 (folder: ${root})`,
    );
  }
  return classDirs;
}

/** The `*.png` files of one class folder, sorted; throws when there are none. */
async function listPngs(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const e of await entries(dir)) {
    if (e.isFile && e.name.toLowerCase().endsWith(".png")) files.push(e.name);
  }
  files.sort();
  if (files.length === 0) {
    throw new InputError(
      `Cannot load image folder as a class folder must hold PNG files: current count is 0 (folder: ${dir})`,
    );
  }
  return files.map((name) => join(dir, name));
}

/** Decoded gray rows and their labels, all of the first image's size. */
class ImageRows {
  readonly #rows: Float32Array[] = [];
  readonly #labels: number[] = [];
  readonly #invert: boolean;
  #height = 0;
  #width = 0;
  #firstFile = "";

  constructor(invert: boolean) {
    this.#invert = invert;
  }

  /** Reads and decodes `file` as one row of class `label`. */
  async add(file: string, label: number): Promise<void> {
    const bytes = await readInputBytes(file, "PNG image");
    let png: { width: number; height: number; data: Uint8Array };
    try {
      png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (err) {
      const msg = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ");
      throw new InputError(
        `Cannot load image folder as a PNG cannot be decoded: ${msg} (file: ${file})`,
      );
    }
    if (this.#rows.length === 0) {
      this.#height = png.height;
      this.#width = png.width;
      this.#firstFile = file;
    } else if (png.height !== this.#height || png.width !== this.#width) {
      throw new InputError(
        `Cannot load image folder as every image must be ${this.#height}x${this.#width} like ${this.#firstFile}: current size is ${png.height}x${png.width} (file: ${file})`,
      );
    }
    this.#rows.push(toGray(png.data, this.#height * this.#width, this.#invert));
    this.#labels.push(label);
  }

  /** The rows as one image data set with `classNames`. */
  dataset(classNames: string[]): ImageDataset {
    const inputs = this.#height * this.#width;
    const x = new Float32Array(this.#rows.length * inputs);
    for (let i = 0; i < this.#rows.length; i++) x.set(this.#rows[i]!, i * inputs);
    return {
      count: this.#rows.length,
      inputs,
      targetWidth: 1,
      classes: classNames.length,
      x,
      y: Float32Array.from(this.#labels),
      height: this.#height,
      width: this.#width,
      classNames,
    };
  }
}

async function subdirs(dir: string): Promise<string[]> {
  return (await entries(dir)).filter((e) => e.isDirectory).map((e) => e.name).sort();
}

async function entries(dir: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(dir)) out.push(e);
  } catch (err) {
    throw new InputError(
      `Cannot load image folder as a folder cannot be listed: ${fsReason(err)} (folder: ${dir})`,
      { file: dir },
    );
  }
  return out;
}

function toGray(rgba: Uint8Array, pixels: number, invert: boolean): Float32Array {
  const out = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const r = rgba[4 * i]!;
    const g = rgba[4 * i + 1]!;
    const b = rgba[4 * i + 2]!;
    const a = rgba[4 * i + 3]! / 255;
    const gray = Math.min(1, ((0.299 * r + 0.587 * g + 0.114 * b) / 255) * a + (1 - a));
    out[i] = invert ? 1 - gray : gray;
  }
  return out;
}
