import assert from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import type { Backend } from "../../../learners/backend.ts";
import type { Dataset } from "../../../learners/dataset.ts";
import { mlpBlocks, runEvolution } from "../../../learners/evolution/evolution.ts";
import { BASELINE_GENOME } from "../../../learners/evolution/evolution_genome.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { gpuTest } from "../../helpers.ts";

/** 40 samples of 5 inputs in 3 classes. */
const DATA: Dataset = {
  count: 40,
  inputs: 5,
  targetWidth: 1,
  classes: 3,
  x: Float32Array.from({ length: 200 }, (_, i) => Math.sin(0.7 * i)),
  y: Float32Array.from({ length: 40 }, (_, i) => i % 3),
};
const GENERATIONS = 4;

/** A neural-fitness run of 3 segments x 4 models (memetic gradSteps 0, 2 and 3) on `backend`. */
async function neuralRun(backend: Backend, readEvery: number) {
  // 12 models: not a multiple of the 64-wide workgroups.
  const pop = backend.createPopulation({ size: 12, widths: [5, 6, 3], batchSize: 4 });
  pop.init(3);
  const ranges = new Uint32Array(24);
  for (let p = 0; p < 12; p++) ranges[2 * p + 1] = DATA.count;
  const genomes = [0, 2, 3].map((gradSteps) => ({ ...BASELINE_GENOME, gradSteps }));
  const r = await runEvolution(
    backend,
    {
      genomes,
      modelsPerSegment: 4,
      generations: GENERATIONS,
      seed: 9,
      blocks: mlpBlocks(pop.layout),
      readEvery,
    },
    { kind: "neural", population: pop, data: backend.uploadDataset(DATA), ranges },
  );
  const params = await pop.readParams();
  pop.destroy();
  return { ...r, params };
}

gpuTest(
  "GPU neural evolution encodes memetic steps in one submit per read and matches its CPU twin",
  async (ctx) => {
    const gpu = await GpuBackend.create(ctx);
    const one = await neuralRun(gpu, 1);
    const all = await neuralRun(gpu, GENERATIONS);
    // One queue.submit per span of generations, memetic train steps included.
    assert.equal(one.submits, GENERATIONS);
    assert.equal(all.submits, 1);
    assert.deepEqual(all.history, one.history);
    assert.deepEqual(all.params, one.params);
    const cpu = await neuralRun(new CpuBackend(), GENERATIONS);
    const [atol, rtol] = [1e-4, 1e-3];
    const far = (a: Float32Array, b: Float32Array) =>
      a.findIndex((x, i) => !(Math.abs(x - b[i]!) <= atol + rtol * Math.abs(b[i]!)));
    assert.equal(far(all.history, cpu.history), -1, "history within tolerance of the CPU twin");
    assert.equal(far(all.params, cpu.params), -1, "parameters within tolerance of the CPU twin");
  },
);
