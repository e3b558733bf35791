/**
 * The workloads of `deno task bench --metatrain` (bench/metatrain.ts): 5-way 1-shot episodes on
 * MLP 196-64-64-5 (glyphs, else Fashion-MNIST, else synthetic) and MAML's sinusoid on 1-40-40-1.
 * @module
 */
import { fashionMnistAvailable, loadFashionMnist } from "../learners/data/fashion_mnist.ts";
import { downsample, standardize } from "../learners/data/preprocess.ts";
import { defaultGlyphsDir, loadGlyphs } from "../learners/data/glyphs/load.ts";
import { RealEpisodes } from "../learners/tasks/real_episodes.ts";
import { Sinusoid } from "../learners/tasks/sinusoid.ts";
import { SyntheticClassification } from "../learners/tasks/synthetic_classification.ts";
import type { TaskFamily } from "../learners/tasks/task_family.ts";

/** Inner SGD steps per task of every bench meta-training row. */
export const BENCH_INNER_STEPS = 5;

/** A meta-training workload: the episodes and the learners. */
export interface MetaTrainWorkload {
  /** What it is, for the printout. */
  name: string;
  /** The task family. */
  family: TaskFamily;
  /** Layer widths. */
  widths: number[];
  /** Inner batch size. */
  batchSize: number;
  /** Loss head. */
  loss: "cross_entropy" | "mse";
  /** Inner SGD learning rate. */
  innerLr: number;
  /** Support and query samples per task (the CPU twin's inner steps run on the support set). */
  support: number;
  query: number;
}

/**
 * The 5-way 1-shot workload of the bench: the glyphs set's meta-train scripts when it is built in
 * its default folder, else Fashion-MNIST when installed, else synthetic episodes.
 */
export async function metaTrainFamily(): Promise<MetaTrainWorkload> {
  const base = {
    batchSize: 25,
    loss: "cross_entropy" as const,
    innerLr: 0.1,
    support: 5,
    query: 25,
  };
  const glyphs = await loadGlyphs(defaultGlyphsDir()).catch(() => null);
  if (glyphs) {
    const data = standardize(downsample(glyphs.dataset, 2)).dataset;
    const family = new RealEpisodes(data, glyphs.split.train, {
      ways: 5,
      shots: 1,
      queryPerClass: 5,
    });
    const name = "5-way 1-shot glyphs, meta-train scripts, 14x14";
    return { ...base, name, family, widths: [family.inputs, 64, 64, 5] };
  }
  if (fashionMnistAvailable("test")) {
    const data = standardize(downsample(await loadFashionMnist("test"), 2)).dataset;
    const family = new RealEpisodes(data, [0, 1, 2, 3, 4], { ways: 5, shots: 1, queryPerClass: 5 });
    const name = "5-way 1-shot Fashion-MNIST classes 0-4, 14x14";
    return { ...base, name, family, widths: [family.inputs, 64, 64, 5] };
  }
  const family = new SyntheticClassification({ inputs: 16, ways: 5, shots: 1, queryPerClass: 5 });
  const name = "5-way 1-shot synthetic, 16 inputs (Fashion-MNIST missing)";
  return { ...base, name, family, widths: [16, 64, 64, 5] };
}

/** MAML's sinusoid regression (10-shot), MLP 1-40-40-1, batch 10: a workload bound by overheads. */
export function sinusoidWorkload(): MetaTrainWorkload {
  const family = new Sinusoid({ shots: 10, querySize: 10 });
  const name = "sinusoid 10-shot regression";
  const sizes = { support: 10, query: 10 };
  return {
    name,
    family,
    widths: [1, 40, 40, 1],
    batchSize: 10,
    loss: "mse",
    innerLr: 0.01,
    ...sizes,
  };
}
