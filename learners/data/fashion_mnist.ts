/**
 * Fashion-MNIST (Xiao et al., 2017): 70,000 28x28 grayscale images of 10 clothing classes, read
 * from the files of Debian's `dataset-fashion-mnist` package (no download at run time).
 * @module
 */

import { join } from "node:path";
import type { ImageDataset } from "./image_dataset.ts";
import { loadIdxDataset } from "./idx.ts";
import { InputError } from "../../core/input_error.ts";

/** Where Debian's `dataset-fashion-mnist` package installs the IDX files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Fashion-MNIST class names, indexed by label. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** The training split (60,000 images) or the test split (10,000). */
export type FashionMnistSplit = "train" | "test";

/** Paths of a split's image and label files in `dir`; prefers `.gz`, falls back to the plain name. */
export function fashionMnistFiles(
  split: FashionMnistSplit,
  dir: string = FASHION_MNIST_DIR,
): { images: string; labels: string } {
  const prefix = split === "train" ? "train" : "t10k";
  const pick = (base: string): string => {
    const gz = join(dir, `${base}.gz`);
    return exists(gz) || !exists(join(dir, base)) ? gz : join(dir, base);
  };
  return {
    images: pick(`${prefix}-images-idx3-ubyte`),
    labels: pick(`${prefix}-labels-idx1-ubyte`),
  };
}

/** Whether both files of `split` are present in `dir`. */
export function fashionMnistAvailable(
  split: FashionMnistSplit = "train",
  dir: string = FASHION_MNIST_DIR,
): boolean {
  const f = fashionMnistFiles(split, dir);
  return exists(f.images) && exists(f.labels);
}

/**
 * Loads a Fashion-MNIST split as a 10-class image data set (28x28, pixels in [0, 1]). Throws an
 * InputError naming the missing file and the Debian package when the files are absent.
 */
export async function loadFashionMnist(
  split: FashionMnistSplit = "train",
  options: { dir?: string } = {},
): Promise<ImageDataset> {
  if (split !== "train" && split !== "test") {
    throw new RangeError(
      `Cannot load Fashion-MNIST as split must be "train" or "test": current value is ${split}`,
    );
  }
  const f = fashionMnistFiles(split, options.dir ?? FASHION_MNIST_DIR);
  for (const p of [f.images, f.labels]) {
    if (!exists(p)) {
      throw new InputError(
        `Cannot load Fashion-MNIST as a file is missing: install Debian's dataset-fashion-mnist or pass options.dir (file: ${p})`,
      );
    }
  }
  return await loadIdxDataset(f.images, f.labels, {
    classes: 10,
    classNames: [...FASHION_MNIST_CLASS_NAMES],
  });
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
