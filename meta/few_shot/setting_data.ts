/**
 * Data sets of the `meta` experiment's image settings: the glyphs (split by script into
 * meta-train, meta-validation and meta-test classes) and the cross-domain test set (any image
 * data set the engine reads: Fashion-MNIST, IDX files or an image folder), each loaded once per
 * process, downsampled to the glyphs' input width and standardized.
 * @module
 */
import { loadFashionMnist } from "../../learners/data/fashion_mnist.ts";
import { loadIdxDataset } from "../../learners/data/idx.ts";
import type { ImageDataset } from "../../learners/data/image_dataset.ts";
import { loadImageFolder } from "../../learners/data/image_folder.ts";
import type { ClassSplit } from "../../learners/data/class_split.ts";
import { downsample, standardize } from "../../learners/data/preprocess.ts";
import type { Dataset } from "../../learners/dataset.ts";
import type { CrossDomainSpec } from "./config.ts";

/** A classification data set and the classes a method may use. */
export interface ClassData {
  /** The data set (standardized). */
  data: Dataset;
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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Script split of glyph classes named "script/character": scripts in sorted order, every fifth
 * script (from the third) to meta-test, every fifth (from the fifth) to meta-validation.
 */
export function splitByScript(classNames: readonly string[]): ClassSplit {
  const scripts = [...new Set(classNames.map((n) => n.split("/")[0]!))].sort();
  const role = new Map(scripts.map((s, i) => [s, i % 5 === 2 ? 2 : i % 5 === 4 ? 1 : 0]));
  const lists: number[][] = [[], [], []];
  classNames.forEach((n, c) => lists[role.get(n.split("/")[0]!)!]!.push(c));
  return {
    classes: classNames.length,
    train: Uint32Array.from(lists[0]!),
    validation: Uint32Array.from(lists[1]!),
    test: Uint32Array.from(lists[2]!),
  };
}

/** The glyphs data set under `root` (14x14, standardized) with its script split, or null when absent. */
export function glyphsData(
  root: string,
): Promise<{ data: Dataset; split: ClassSplit } | null> {
  return once(`glyphs:${root}`, async () => {
    if (!(await exists(root))) return null;
    let images: ImageDataset = await loadImageFolder(root);
    if (images.height % 2 === 0 && images.inputs > 256) images = downsample(images, 2);
    return { data: standardize(images).dataset, split: splitByScript(images.classNames) };
  });
}

async function loadCross(spec: CrossDomainSpec): Promise<{ name: string; images: ImageDataset }> {
  if (spec.family === "fashion-mnist") {
    return { name: "Fashion-MNIST (test split)", images: await loadFashionMnist("test") };
  }
  if (spec.family === "idx") {
    if (!spec.images || !spec.labels) {
      throw new RangeError(
        `Invalid crossDomain.images / crossDomain.labels: family "idx" needs both file paths: current value is ${spec.images} / ${spec.labels}`,
      );
    }
    return { name: `IDX ${spec.images}`, images: await loadIdxDataset(spec.images, spec.labels) };
  }
  if (!spec.root) {
    throw new RangeError(
      `Invalid crossDomain.root: family "image-folder" needs a folder: current value is ${spec.root}`,
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
      throw new RangeError(
        `Invalid crossDomain.downsample: ${name} has ${small.inputs} inputs after downsampling, the glyph learners take ${inputs}: current value is ${spec.downsample}`,
      );
    }
    const classes = Uint32Array.from({ length: small.classes }, (_, c) => c);
    return { name, data: standardize(small).dataset, classes };
  });
}
