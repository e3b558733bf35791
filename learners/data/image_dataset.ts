/**
 * Image data sets: a `Dataset` whose rows are grayscale images flattened row-major, plus the
 * image size and class names.
 * @module
 */

import type { Dataset } from "../dataset.ts";

/** A classification data set of grayscale images, each row (height*width) pixels row-major. */
export interface ImageDataset extends Dataset {
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels (inputs = height*width). */
  width: number;
  /** Name of each class, indexed by class id (length = classes). */
  classNames: string[];
}
