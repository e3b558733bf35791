import assert from "node:assert/strict";
import {
  FASHION_MNIST_DIR,
  fashionMnistAvailable,
  loadFashionMnist,
} from "../../../learners/data/fashion_mnist.ts";
import { splitClasses } from "../../../learners/data/class_split.ts";
import { downsample } from "../../../learners/data/preprocess.ts";
import { validateDataset } from "../../../learners/dataset.ts";
import { RealEpisodes } from "../../../learners/tasks/real_episodes.ts";
import { validateEpisodeBatch } from "../../../learners/tasks/task_family.ts";

// On CI (CI set) the files must be there: the test runs and fails when they are missing.
const available = fashionMnistAvailable("test");
const ignore = !available && !Deno.env.get("CI");
if (ignore) {
  console.log(
    `Skipping Fashion-MNIST smoke test: files not found in ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`,
  );
}

Deno.test({
  name:
    "loadFashionMnist loads the test split and RealEpisodes draws 5-way 5-shot episodes from it",
  ignore,
  fn: async () => {
    const d = await loadFashionMnist("test");
    validateDataset(d);
    assert.equal(d.count, 10000);
    assert.equal(d.inputs, 784);
    assert.equal(d.classes, 10);
    assert.equal(d.classNames[9], "Ankle boot");
    let max = 0;
    for (let i = 0; i < d.x.length; i += 97) max = Math.max(max, d.x[i]!);
    assert.ok(max > 0.9 && max <= 1);
    const counts = new Array(10).fill(0);
    for (const y of d.y) counts[y]++;
    assert.deepEqual(counts, new Array(10).fill(1000));
    const small = downsample(d, 2);
    assert.equal(small.inputs, 196);
    const split = splitClasses(10, { train: 6, validation: 2, test: 2, seed: 0 });
    const family = new RealEpisodes(small, split.train, { ways: 5, shots: 5, queryPerClass: 15 });
    const batch = family.sampleEpisodes(1, 64);
    validateEpisodeBatch(batch);
  },
});

Deno.test("loadFashionMnist names the missing file and the Debian package", async () => {
  await assert.rejects(
    loadFashionMnist("train", { dir: "/nonexistent/fashion" }),
    /dataset-fashion-mnist or pass options.dir \(file: \/nonexistent\/fashion\/train-images-idx3-ubyte.gz\)/,
  );
});
