/**
 * Data sets of the `meta` experiment's image settings: the glyphs (split by script into
 * meta-train, meta-validation and meta-test classes) and the cross-domain test set (any image
 * data set the engine reads: Fashion-MNIST, IDX files or an image folder), each loaded once per
 * process, downsampled to the glyphs' input width and standardized.
 * @module
 */
import { InputError } from "../../core/input_error.ts";
import { loadFashionMnist } from "../../learners/data/fashion_mnist.ts";
import { loadIdxDataset } from "../../learners/data/idx.ts";
import type { ImageDataset } from "../../learners/data/image_dataset.ts";
import { loadImageFolder } from "../../learners/data/image_folder.ts";
import type { ClassSplit } from "../../learners/data/class_split.ts";
import { downsample, standardize } from "../../learners/data/preprocess.ts";
import { resizeArea } from "../../learners/data/resize_area.ts";
import { ensureGlyphs } from "../../learners/data/glyphs/load.ts";
import { type CrossDomainSpec, GLYPH_MAX_SIZE } from "./config.ts";

/** A classification data set and the classes a method may use. */
export interface ClassData {
  /** The data set (standardized). */
  data: ImageDataset;
  /** Classes to use. */
  classes: Uint32Array;
  /** What it is, for the report. */
  name: string;
}

const cache = new Map<string, Promise<unknown>>();

function once<T>(key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = load();
    cache.set(key, p);
  }
  return p;
}

/**
 * The glyphs data set (28x28 renders resampled to `spec.size` x `spec.size` by area averaging,
 * standardized) with its script split, built first when its folder has none (progress to `log`).
 */
export function glyphsData(
  spec: { dir: string | null; subset: string | null; size: number },
  log: (line: string) => void,
): Promise<{ data: ImageDataset; split: ClassSplit }> {
  const n = spec.size;
  if (!Number.isInteger(n) || n < 4 || n > GLYPH_MAX_SIZE) {
    return Promise.reject(
      new InputError(
        `Invalid glyphs.size: must be an integer in [4, ${GLYPH_MAX_SIZE}] (${GLYPH_MAX_SIZE}x${GLYPH_MAX_SIZE} inputs are the most the MLPs take): current value is ${n}`,
        { field: "glyphs.size" },
      ),
    );
  }
  return once(`glyphs:${spec.dir}:${spec.subset}:${n}`, async () => {
    const g = await ensureGlyphs({
      dir: spec.dir ?? undefined,
      subset: spec.subset ?? undefined,
      log,
    });
    const d = g.dataset;
    const small = d.height % n === 0 && d.width % n === 0
      ? downsample(d, d.height / n)
      : resizeArea(d, n, n);
    return { data: standardize(small).dataset, split: g.split };
  });
}

async function loadCross(spec: CrossDomainSpec): Promise<{ name: string; images: ImageDataset }> {
  if (spec.family === "fashion-mnist") {
    return { name: "Fashion-MNIST (test split)", images: await loadFashionMnist("test") };
  }
  if (spec.family === "idx") {
    if (!spec.images || !spec.labels) {
      throw new InputError(
        `Invalid crossDomain.images / crossDomain.labels: family "idx" needs both file paths: current value is ${spec.images} / ${spec.labels}`,
        { field: "crossDomain.images" },
      );
    }
    return { name: `IDX ${spec.images}`, images: await loadIdxDataset(spec.images, spec.labels) };
  }
  if (!spec.root) {
    throw new InputError(
      `Invalid crossDomain.root: family "image-folder" needs a folder: current value is ${spec.root}`,
      { field: "crossDomain.root" },
    );
  }
  return { name: `images under ${spec.root}`, images: await loadImageFolder(spec.root) };
}

/**
 * The cross-domain test set (every class usable), downsampled by `spec.downsample` and
 * standardized; its input width must equal `inputs` (the glyph learners' input width).
 */
export function crossDomainData(spec: CrossDomainSpec, inputs: number): Promise<ClassData> {
  return once(`cross:${JSON.stringify(spec)}`, async () => {
    const { name, images } = await loadCross(spec);
    const small = spec.downsample > 1 ? downsample(images, spec.downsample) : images;
    if (small.inputs !== inputs) {
      throw new InputError(
        `Invalid crossDomain.downsample: ${name} has ${small.inputs} inputs after downsampling, the glyph learners take ${inputs}: current value is ${spec.downsample}`,
        { field: "crossDomain.downsample" },
      );
    }
    const classes = Uint32Array.from({ length: small.classes }, (_, c) => c);
    return { name, data: standardize(small).dataset, classes };
  });
}
