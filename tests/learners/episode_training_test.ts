import assert from "node:assert/strict";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import { createEpisodePopulation } from "../../learners/episode_training.ts";
import { GpuBackend } from "../../learners/gpu/gpu_backend.ts";
import { SyntheticClassification } from "../../learners/tasks/synthetic_classification.ts";
import { gpuTest } from "../helpers.ts";

const FAMILY = new SyntheticClassification({
  inputs: 16,
  ways: 5,
  shots: 5,
  queryPerClass: 15,
  difficulty: 0.5,
});

async function meanQueryAccuracy(
  backend: CpuBackend | GpuBackend,
  episodes: number,
): Promise<number> {
  const batch = FAMILY.sampleEpisodes(11, episodes);
  const run = createEpisodePopulation(backend, batch, {
    knobs: { lr: 0.05, optimizer: "momentum" },
    seed: 4,
  });
  run.population.train(run.data, 60);
  const { accuracy } = await run.population.evaluate(run.data, run.queryIndices);
  run.destroy();
  return accuracy.reduce((a, b) => a + b, 0) / episodes;
}

Deno.test("a population adapting to synthetic 5-way 5-shot episodes (CPU twin) is well above chance", async () => {
  const acc = await meanQueryAccuracy(new CpuBackend(), 16);
  assert.ok(acc > 0.5, `mean query accuracy ${acc} (chance 0.2)`);
});

gpuTest(
  "a population adapting to 64 synthetic 5-way 5-shot episodes on the GPU is well above chance",
  async (ctx) => {
    const acc = await meanQueryAccuracy(await GpuBackend.create(ctx), 64);
    assert.ok(acc > 0.5, `mean query accuracy ${acc} (chance 0.2)`);
  },
);
