/**
 * The settings of the `meta` experiment (meta/few_shot/experiment.ts): task families, network
 * widths, batch size and learning-rate scale of each few-shot setting.
 * @module
 */
import { splitClasses } from "../../learners/data/class_split.ts";
import { fashionMnistAvailable, loadFashionMnist } from "../../learners/data/fashion_mnist.ts";
import { downsample, standardize } from "../../learners/data/preprocess.ts";
import type { Dataset } from "../../learners/dataset.ts";
import { RealEpisodes } from "../../learners/tasks/real_episodes.ts";
import { Sinusoid } from "../../learners/tasks/sinusoid.ts";
import { SyntheticClassification } from "../../learners/tasks/synthetic_classification.ts";
import type { TaskFamily } from "../../learners/tasks/task_family.ts";

import type { MetaConfig } from "./config.ts";

/** One few-shot setting: its task families, network and learning-rate scale. */
export interface Setting {
  name: string;
  train: TaskFamily;
  test: TaskFamily;
  widths: number[];
  batchSize: number;
  regression: boolean;
  /** Multiplies the inner lr and the baseline grid (sinusoid: 0.1, as MAML's 0.01). */
  lrScale: number;
}

let fmnistCache: Dataset | null = null;

async function fashionMnist(): Promise<Dataset> {
  if (!fmnistCache) {
    const raw = await loadFashionMnist("test");
    fmnistCache = standardize(downsample(raw, 2)).dataset;
  }
  return fmnistCache;
}

export async function buildSetting(
  name: MetaConfig["settings"][number],
  c: MetaConfig,
  seed: number,
): Promise<Setting | null> {
  if (name === "sinusoid") {
    const f = new Sinusoid({ shots: 10, querySize: 10 });
    return {
      name,
      train: f,
      test: f,
      widths: [1, 40, 40, 1],
      batchSize: 10,
      regression: true,
      lrScale: 0.1,
    };
  }
  const shots = name.endsWith("1shot") ? 1 : 5;
  if (name.startsWith("synthetic")) {
    const opts = { ways: 5, shots, difficulty: c.difficulty, familySeed: 0 };
    return {
      name,
      train: new SyntheticClassification({ ...opts, queryPerClass: 5 }),
      test: new SyntheticClassification({ ...opts, queryPerClass: 15 }),
      widths: [16, ...c.hidden, 5],
      batchSize: 25,
      regression: false,
      lrScale: 1,
    };
  }
  if (!fashionMnistAvailable("test")) return null;
  const data = await fashionMnist();
  const split = splitClasses(10, { train: 5, test: 5, seed });
  return {
    name,
    train: new RealEpisodes(data, split.train, { ways: 5, shots, queryPerClass: 5 }),
    test: new RealEpisodes(data, split.test, { ways: 5, shots, queryPerClass: 15 }),
    widths: [data.inputs, ...c.hidden, 5],
    batchSize: 25,
    regression: false,
    lrScale: 1,
  };
}
