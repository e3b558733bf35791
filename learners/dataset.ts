/**
 * Data sets in host memory, in the one shape every backend uploads: inputs (count, inputs) and
 * targets (count, targetWidth), both f32 row-major. Class labels are stored as floats holding the
 * class index (targetWidth 1); regression targets use targetWidth = output width.
 * @module
 */

/** A labelled data set held in host memory, ready to be uploaded once to a backend. */
export interface Dataset {
  /** Number of samples. */
  count: number;
  /** Input width: features per sample. */
  inputs: number;
  /** Target width: 1 for class labels, the output width for regression. */
  targetWidth: number;
  /** Number of classes for classification; 0 for regression. */
  classes: number;
  /** Inputs, shape (count, inputs), row-major. */
  x: Float32Array<ArrayBuffer>;
  /** Targets, shape (count, targetWidth); a class index stored as a float for classification. */
  y: Float32Array<ArrayBuffer>;
}

/** The input precision of an upload: "f32" (default) or "f16"; anything else is a RangeError. */
export function checkInputPrecision(p: unknown = "f32"): "f32" | "f16" {
  if (p !== "f32" && p !== "f16") {
    throw new RangeError(
      `Invalid inputPrecision: must be "f32" or "f16": current value is ${String(p)}`,
    );
  }
  return p;
}

/** Checks a data set's arrays against its declared shape; throws TypeError/RangeError naming the field. */
export function validateDataset(d: Dataset, name = "dataset"): void {
  for (const f of ["count", "inputs", "targetWidth", "classes"] as const) {
    const v = d[f];
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`Invalid ${name}.${f}: must be an integer >= 0: current value is ${v}`);
    }
  }
  if (d.count < 1) {
    throw new RangeError(`Invalid ${name}.count: must be >= 1: current value is ${d.count}`);
  }
  if (d.inputs < 1) {
    throw new RangeError(`Invalid ${name}.inputs: must be >= 1: current value is ${d.inputs}`);
  }
  if (d.targetWidth < 1) {
    throw new RangeError(
      `Invalid ${name}.targetWidth: must be >= 1: current value is ${d.targetWidth}`,
    );
  }
  if (d.x.length !== d.count * d.inputs) {
    throw new TypeError(
      `Invalid ${name}.x: length must be count*inputs = ${
        d.count * d.inputs
      }: current value is ${d.x.length}`,
    );
  }
  if (d.y.length !== d.count * d.targetWidth) {
    throw new TypeError(
      `Invalid ${name}.y: length must be count*targetWidth = ${
        d.count * d.targetWidth
      }: current value is ${d.y.length}`,
    );
  }
  if (d.classes > 0) {
    if (d.targetWidth !== 1) {
      throw new RangeError(
        `Invalid ${name}.targetWidth: must be 1 for classification: current value is ${d.targetWidth}`,
      );
    }
    for (let i = 0; i < d.count; i++) {
      const c = d.y[i]!;
      if (!Number.isInteger(c) || c < 0 || c >= d.classes) {
        throw new RangeError(
          `Invalid ${name}.y[${i}]: class label must be an integer in [0, ${
            d.classes - 1
          }]: current value is ${c}`,
        );
      }
    }
  }
}
