import assert from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import type { Backend } from "../../../learners/backend.ts";
import type { Dataset } from "../../../learners/dataset.ts";
import { mlpBlocks, runEvolution } from "../../../learners/evolution/evolution.ts";
import { BASELINE_GENOME } from "../../../learners/evolution/evolution_genome.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import type { GpuPopulation } from "../../../learners/gpu/gpu_population.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { scratchStride } from "../../../learners/mlp/mlp_uniform.ts";
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

const SPEC = { widths: [5, 6, 3], batchSize: 4 };

/** A neural-fitness run of 3 segments x M models (memetic gradSteps 0, 2 and 3) on `backend`. */
async function neuralRun(backend: Backend, readEvery: number, M = 4) {
  // 12 models: not a multiple of the 64-wide workgroups.
  const P = 3 * M;
  const pop = backend.createPopulation({ size: P, ...SPEC });
  pop.init(3);
  const ranges = new Uint32Array(2 * P);
  for (let p = 0; p < P; p++) ranges[2 * p + 1] = DATA.count;
  const genomes = [0, 2, 3].map((gradSteps) => ({ ...BASELINE_GENOME, gradSteps }));
  const r = await runEvolution(
    backend,
    {
      genomes,
      modelsPerSegment: M,
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

gpuTest(
  "GPU neural evolution of a population split into several dispatches matches the unsplit run",
  async (ctx) => {
    // 3 x 50 models; bindings capped at 64 models: the train step runs as 3 dispatches per step.
    const L = mlpLayout({ size: 150, ...SPEC });
    const perModel = Math.max(scratchStride(L) * 4, 2 * L.stride * 4);
    const split = await GpuBackend.create(ctx, { maxBindingBytes: 64 * perModel + 100 });
    const probe = split.createPopulation({ size: 150, ...SPEC }) as GpuPopulation;
    assert.equal(probe.dispatchesPerStep, 3);
    probe.destroy();
    const one = await neuralRun(await GpuBackend.create(ctx), GENERATIONS, 50);
    const parts = await neuralRun(split, 2, 50);
    assert.deepEqual(parts.history, one.history);
    assert.deepEqual(parts.params, one.params);
    const cpu = await neuralRun(new CpuBackend(), GENERATIONS, 50);
    const [atol, rtol] = [1e-4, 1e-3];
    const far = (a: Float32Array, b: Float32Array) =>
      a.findIndex((x, i) => !(Math.abs(x - b[i]!) <= atol + rtol * Math.abs(b[i]!)));
    assert.equal(far(parts.history, cpu.history), -1, "history within tolerance of the CPU twin");
  },
);
