// A small labelled data set for episode tests: `perClass` samples of each class, x = sample id.
import type { Dataset } from "../../../learners/dataset.ts";

/** `classes` classes with perClass[c] (or perClass) samples each, interleaved; x holds the sample index. */
export function toyDataset(classes: number, perClass: number | number[]): Dataset {
  const counts = Array.from(
    { length: classes },
    (_, c) => typeof perClass === "number" ? perClass : perClass[c]!,
  );
  const labels: number[] = [];
  const left = [...counts];
  while (left.some((n) => n > 0)) {
    for (let c = 0; c < classes; c++) {
      if (left[c]! > 0) {
        labels.push(c);
        left[c] = left[c]! - 1;
      }
    }
  }
  return {
    count: labels.length,
    inputs: 1,
    targetWidth: 1,
    classes,
    x: Float32Array.from(labels, (_, i) => i),
    y: Float32Array.from(labels),
  };
}
