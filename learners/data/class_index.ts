/**
 * A class index over a classification data set: the sample indices of each class, stored
 * contiguously (CSR layout), ready to upload so a kernel can draw "sample r of class c".
 * @module
 */

import type { Dataset } from "../dataset.ts";

/** Sample indices grouped by class: class c owns members[offsets[c] .. offsets[c+1]), ascending. */
export interface ClassIndex {
  /** Number of classes. */
  classes: number;
  /** Start of each class in `members`, length classes + 1. */
  offsets: Uint32Array<ArrayBuffer>;
  /** Sample indices sorted by (class, index), length = dataset count. */
  members: Uint32Array<ArrayBuffer>;
}

/** Builds the class index of a classification data set (a stable counting sort of its labels). */
export function buildClassIndex(d: Dataset): ClassIndex {
  if (d.classes < 1 || d.targetWidth !== 1) {
    throw new RangeError(
      `Cannot build class index as dataset.classes must be >= 1 with targetWidth 1: current value is ${d.classes}`,
    );
  }
  const offsets = new Uint32Array(d.classes + 1);
  for (let i = 0; i < d.count; i++) {
    const c = d.y[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= d.classes) {
      throw new RangeError(
        `Cannot build class index as dataset.y[${i}] must be a class in [0, ${
          d.classes - 1
        }]: current value is ${c}`,
      );
    }
    offsets[c + 1] = offsets[c + 1]! + 1;
  }
  for (let c = 0; c < d.classes; c++) offsets[c + 1] = offsets[c + 1]! + offsets[c]!;
  const fill = offsets.slice(0, d.classes);
  const members = new Uint32Array(d.count);
  for (let i = 0; i < d.count; i++) {
    const c = d.y[i]!;
    members[fill[c]!] = i;
    fill[c] = fill[c]! + 1;
  }
  return { classes: d.classes, offsets, members };
}
