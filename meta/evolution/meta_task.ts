/**
 * The tasks a strategy genome is scored on (black-box objectives, a user's WGSL objective, a
 * synthetic neural classification task or a user's data set) and the data set of a neural task.
 * @module
 */
import type { Dataset } from "../../learners/dataset.ts";
import type { ObjectiveName } from "../../learners/tasks/objectives.ts";
import { SyntheticClassification } from "../../learners/tasks/synthetic_classification.ts";

/** A task of the task set. */
export type MetaTask =
  | {
    kind: "objective";
    /** Display name. */
    name: string;
    objective: ObjectiveName;
    dim: number;
    /** Task index: the shift/rotation stream. */
    task: number;
    /** Std of the initial points (default 2). */
    initScale?: number;
    /** Decades of objective-value reduction that count as normalized fitness 1 (default 3). */
    decades?: number;
  }
  | {
    kind: "neural";
    name: string;
    inputs: number;
    ways: number;
    /** Training points per class. */
    shots: number;
    hidden: number;
    difficulty: number;
    /** Seed of the task family. */
    familySeed: number;
    batchSize?: number;
  }
  | {
    /** A user's objective (minimized), WGSL body of `USER_OBJECTIVE_SIGNATURE`. */
    kind: "user_objective";
    name: string;
    dim: number;
    /** Body of fn user_objective(x: ptr<function, array<f32, MAXD>>, d: u32) -> f32. */
    wgsl: string;
    /** File name in compile errors (default "<name>.wgsl"). */
    file?: string;
    /** CPU twin (required on the CPU backend). */
    cpu?: (x: Float32Array, dim: number) => number;
    initScale?: number;
    decades?: number;
  }
  | {
    /** A user's data set: an MLP population trained/evolved on it (cross-entropy or MSE). */
    kind: "dataset";
    name: string;
    /** (count, inputs) row-major. */
    x: Float32Array;
    /** (count) class labels, or (count, targetWidth) regression targets when classes is 0. */
    y: Float32Array;
    inputs: number;
    /** Number of classes; 0 for regression (loss: mean squared error). */
    classes: number;
    hidden: number;
    batchSize?: number;
  };

/** The training set of a neural or data-set task (validated; a copy of a user's arrays). */
export function metaTaskDataset(t: Extract<MetaTask, { kind: "neural" | "dataset" }>): Dataset {
  return t.kind === "neural" ? neuralData(t) : userData(t);
}

function neuralData(t: Extract<MetaTask, { kind: "neural" }>): Dataset {
  const fam = new SyntheticClassification({
    inputs: t.inputs,
    ways: t.ways,
    shots: t.shots,
    queryPerClass: 1,
    difficulty: t.difficulty,
    familySeed: t.familySeed,
  });
  const ep = fam.sampleEpisodes(t.familySeed, 1);
  const src = ep.dataset;
  const rows = ep.support;
  const x = new Float32Array(rows.length * src.inputs);
  const y = new Float32Array(rows.length);
  rows.forEach((row, i) => {
    x.set(src.x.subarray(row * src.inputs, (row + 1) * src.inputs), i * src.inputs);
    y[i] = src.y[row]!;
  });
  return { count: rows.length, inputs: src.inputs, targetWidth: 1, classes: src.classes, x, y };
}

function userData(t: Extract<MetaTask, { kind: "dataset" }>): Dataset {
  const count = t.x.length / t.inputs;
  if (!Number.isInteger(t.inputs) || t.inputs < 1 || !Number.isInteger(count) || count < 1) {
    throw new RangeError(
      `Cannot use data set "${t.name}" as x.length must be a positive multiple of inputs (${t.inputs}): current length is ${t.x.length}`,
    );
  }
  const targetWidth = t.classes > 0 ? 1 : t.y.length / count;
  if (!Number.isInteger(targetWidth) || targetWidth < 1 || t.y.length !== count * targetWidth) {
    throw new RangeError(
      `Cannot use data set "${t.name}" as y.length must be ${
        t.classes > 0 ? count : "a positive multiple of " + count
      }: current length is ${t.y.length}`,
    );
  }
  if (t.classes > 0 && t.y.some((v) => !Number.isInteger(v) || v < 0 || v >= t.classes)) {
    throw new RangeError(
      `Cannot use data set "${t.name}" as labels must be integers in [0, ${t.classes - 1}]`,
    );
  }
  return {
    count,
    inputs: t.inputs,
    targetWidth,
    classes: t.classes,
    x: Float32Array.from(t.x),
    y: Float32Array.from(t.y),
  };
}
