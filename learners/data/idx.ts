/**
 * Reader for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
 * a big-endian header (two zero bytes, type 0x08 = unsigned byte, number of dimensions, then one
 * u32 per dimension) followed by the data. Files may be gzip-compressed (detected by the bytes
 * 1f 8b). A file is read fully and validated before anything is returned.
 * @module
 */

import { gunzipSync } from "node:zlib";
import { InputError } from "../../core/input_error.ts";
import { readInputBytes } from "../../core/input_files.ts";
import type { ImageDataset } from "./image_dataset.ts";

/** Magic number of an IDX label file: unsigned bytes, one dimension. */
export const IDX_LABELS_MAGIC = 2049;
/** Magic number of an IDX image file: unsigned bytes, three dimensions. */
export const IDX_IMAGES_MAGIC = 2051;

/** A parsed IDX file: its magic number, dimensions and unsigned-byte data. */
export interface IdxFile {
  /** Path it was read from (used in error messages). */
  path: string;
  /** 2049 (labels) or 2051 (images). */
  magic: number;
  /** Dimensions, outermost first: [count] for labels, [count, rows, cols] for images. */
  dims: number[];
  /** The data, product(dims) bytes. */
  data: Uint8Array<ArrayBuffer>;
}

/** Reads and validates one IDX file (gzip or not); throws a one-line InputError naming it. */
export async function readIdx(path: string): Promise<IdxFile> {
  return parseIdx(await readInputBytes(path, "IDX file"), path);
}

/** Parses the bytes of an IDX file (gunzipping them when they start with 1f 8b); `path` names it in errors. */
export function parseIdx(bytes: Uint8Array, path: string): IdxFile {
  let raw = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      raw = new Uint8Array(gunzipSync(bytes));
    } catch (err) {
      throw new InputError(
        `Cannot load IDX file as its gzip data is corrupt: ${oneLine(err)} (file: ${path})`,
      );
    }
  }
  if (raw.length < 4) {
    throw new InputError(
      `Cannot load IDX file as it must hold at least a 4-byte magic number: current size is ${raw.length} bytes (file: ${path})`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== IDX_LABELS_MAGIC && magic !== IDX_IMAGES_MAGIC) {
    throw new InputError(
      `Cannot load IDX file as magic number must be ${IDX_LABELS_MAGIC} or ${IDX_IMAGES_MAGIC}: current value is ${magic} (file: ${path})`,
    );
  }
  const ndims = magic & 0xff;
  const header = 4 + 4 * ndims;
  if (raw.length < header) {
    throw new InputError(
      `Cannot load IDX file as its header must be ${header} bytes: current size is ${raw.length} bytes (file: ${path})`,
    );
  }
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const have = raw.length - header;
  if (have !== size) {
    const what = have < size ? "truncated" : "longer than its header says";
    throw new InputError(
      `Cannot load IDX file as it is ${what}: dims ${
        dims.join("x")
      } need ${size} data bytes, current size is ${have} (file: ${path})`,
    );
  }
  const data = new Uint8Array(size);
  data.set(raw.subarray(header));
  return { path, magic, dims, data };
}

/** Options of `loadIdxDataset`. */
export interface IdxDatasetOptions {
  /** Number of classes (default: largest label + 1); labels must be below it. */
  classes?: number;
  /** Class names (default "0", "1", ...); length must equal the class count. */
  classNames?: string[];
}

/**
 * Loads an image file (magic 2051) and a label file (magic 2049) into one image data set with
 * pixels scaled to [0, 1] (byte / 255) and labels as class-index floats. Throws when the counts
 * differ or a label is out of range, naming the files.
 */
export async function loadIdxDataset(
  imagesPath: string,
  labelsPath: string,
  options: IdxDatasetOptions = {},
): Promise<ImageDataset> {
  const [images, labels] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)]);
  if (images.magic !== IDX_IMAGES_MAGIC) {
    throw new InputError(
      `Cannot load IDX images as magic number must be ${IDX_IMAGES_MAGIC}: current value is ${images.magic} (file: ${imagesPath})`,
    );
  }
  if (labels.magic !== IDX_LABELS_MAGIC) {
    throw new InputError(
      `Cannot load IDX labels as magic number must be ${IDX_LABELS_MAGIC}: current value is ${labels.magic} (file: ${labelsPath})`,
    );
  }
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new InputError(
      `Cannot load IDX data set as label count must equal image count ${count}: current value is ${
        labels.dims[0]
      } (images: ${imagesPath}, labels: ${labelsPath})`,
    );
  }
  if (count < 1 || height < 1 || width < 1) {
    throw new InputError(
      `Cannot load IDX data set as dims must be >= 1: current value is ${
        images.dims.join("x")
      } (file: ${imagesPath})`,
    );
  }
  let maxLabel = 0;
  for (let i = 0; i < count; i++) maxLabel = Math.max(maxLabel, labels.data[i]!);
  const classes = options.classes ?? maxLabel + 1;
  if (!Number.isInteger(classes) || classes < 1 || maxLabel >= classes) {
    throw new InputError(
      `Cannot load IDX labels as every label must be in [0, ${
        classes - 1
      }]: current value is ${maxLabel} (file: ${labelsPath})`,
    );
  }
  const classNames = options.classNames ?? Array.from({ length: classes }, (_, i) => String(i));
  if (classNames.length !== classes) {
    throw new InputError(
      `Cannot load IDX data set as classNames must have ${classes} entries: current value is ${classNames.length}`,
    );
  }
  const x = new Float32Array(count * height * width);
  const table = new Float32Array(256).map((_, b) => b / 255);
  for (let i = 0; i < x.length; i++) x[i] = table[images.data[i]!]!;
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) y[i] = labels.data[i]!;
  return {
    count,
    inputs: height * width,
    targetWidth: 1,
    classes,
    x,
    y,
    height,
    width,
    classNames: [...classNames],
  };
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").trim();
}
