import assert from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import type { Dataset } from "../../../learners/dataset.ts";
import { mlpBlocks, runEvolution } from "../../../learners/evolution/evolution.ts";
import { BASELINE_GENOME, GENES } from "../../../learners/evolution/evolution_genome.ts";
import {
  knobChangeSteps,
  memeticSteps,
  PROBE_STEP,
} from "../../../learners/evolution/evolution_plan.ts";
import { createEvolveArrays } from "../../../learners/evolution/evolution_arrays.ts";
import { knobsCpu } from "../../../learners/evolution/evolution_cpu.ts";
import { packGenomeTable, randomGenome } from "../../../learners/evolution/evolution_genome.ts";
import { Rng } from "../../../core/rng.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import type { Backend } from "../../../learners/backend.ts";
import { gpuTest } from "../../helpers.ts";

/** 12 samples of 3 inputs in 2 classes. */
const DATA: Dataset = {
  count: 12,
  inputs: 3,
  targetWidth: 1,
  classes: 2,
  x: Float32Array.from({ length: 36 }, (_, i) => Math.sin(i)),
  y: Float32Array.from({ length: 12 }, (_, i) => i % 2),
};

function neuralRun(backend: Backend, population: Backend) {
  const pop = population.createPopulation({ size: 4, widths: [3, 5, 2], batchSize: 4 });
  pop.init(1);
  const ranges = new Uint32Array(8);
  for (let p = 0; p < 4; p++) ranges[2 * p + 1] = DATA.count;
  return runEvolution(
    backend,
    {
      genomes: [BASELINE_GENOME, BASELINE_GENOME],
      modelsPerSegment: 2,
      generations: 2,
      seed: 1,
      blocks: mlpBlocks(pop.layout),
    },
    { kind: "neural", population: pop, data: population.uploadDataset(DATA), ranges },
  );
}

Deno.test("memeticSteps() trains gradSteps steps and then the probe step on fresh batches", () => {
  const cpu = new CpuBackend();
  const pop = cpu.createPopulation({ size: 4, widths: [3, 5, 2], batchSize: 4 });
  pop.init(1);
  pop.setKnobs({ lr: 0 });
  const ranges = new Uint32Array(8);
  for (let p = 0; p < 4; p++) ranges[2 * p + 1] = DATA.count;
  const steps: number[] = [];
  const fitness = {
    kind: "neural" as const,
    population: pop,
    data: cpu.uploadDataset(DATA),
    ranges,
    gradSteps: 2,
  };
  memeticSteps(fitness, 5, 0, (s) => steps.push(s));
  assert.deepEqual(steps, [0, 1, PROBE_STEP]);
  const gene = GENES.gradSteps;
  assert.ok(gene.kind === "number" && PROBE_STEP >= gene.max, "probe step above every gradSteps");
  assert.deepEqual([...pop.state.steps], [3, 3, 3, 3]);
  assert.equal(pop.state.numBatches, 3);
});

gpuTest("Backend.evolve() rejects a population created by another backend", async (ctx) => {
  const cpu = new CpuBackend();
  const gpu = await GpuBackend.create(ctx);
  await assert.rejects(neuralRun(cpu, gpu), /created by another backend/);
  await assert.rejects(neuralRun(gpu, cpu), /created by another backend/);
  const ok = await neuralRun(cpu, cpu);
  assert.ok(ok.history.every(Number.isFinite));
});

Deno.test("knobChangeSteps() holds every step where knobsCpu() writes other knobs than the step before", () => {
  const rng = new Rng(11, 0);
  const genomes = Array.from({ length: 12 }, () => randomGenome(rng));
  genomes[0] = { ...genomes[0]!, gradSteps: 0 };
  const M = 3;
  const d = {
    P: genomes.length * M,
    M,
    S: genomes.length,
    D: 4,
    stride: 4,
    seed: 1,
    nBlocks: 1,
    chunk: 32,
    histCap: 10,
    generations: 10,
  };
  const steps = knobChangeSteps(genomes.map((g) => g.gradSteps));
  const k = Math.max(...genomes.map((g) => g.gradSteps));
  assert.ok(k > 1 && steps.size < k + 1, "some steps need no knobs");
  for (const gen of [0, 4, 9]) {
    const a = createEvolveArrays(d);
    a.genome.set(packGenomeTable(genomes, M));
    a.clock[0] = gen;
    let before: Float32Array | undefined;
    for (let i = 0; i <= k; i++) {
      knobsCpu(d, a, i === k ? PROBE_STEP : i);
      const changed = before === undefined || a.knobs.some((v, j) => v !== before![j]);
      // A step outside the set leaves the knobs as they were; at generation 0 (every schedule's
      // multiplier above 0) each step of the set changes some learning rate.
      if (gen === 0) assert.equal(changed, steps.has(i), `step ${i}`);
      else assert.ok(!changed || steps.has(i), `generation ${gen}, step ${i}`);
      before = a.knobs.slice();
    }
  }
});
