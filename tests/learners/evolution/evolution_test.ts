import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import {
  initialPoints,
  MAX_MODELS_PER_SEGMENT,
  pointBlocks,
  runEvolution,
} from "../../../learners/evolution/evolution.ts";
import { HIST } from "../../../learners/evolution/evolution_cpu.ts";
import {
  BASELINE_GENOME,
  CROSSOVERS,
  MUTATIONS,
  parseGenome,
  SELECTIONS,
  type StrategyGenome,
} from "../../../learners/evolution/evolution_genome.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { createObjective } from "../../../learners/tasks/objectives.ts";
import { gpuTest } from "../../helpers.ts";

function objectiveRun(genomes: StrategyGenome[], M: number, G: number, seed: number) {
  const objectives = [
    createObjective("sphere", 6, { task: 0 }),
    createObjective("rastrigin", 6, { task: 1 }),
  ];
  const segTask = genomes.map((_, s) => s % 2);
  const init = initialPoints(segTask, M, 6, 8, { seed, initScale: 2 });
  return {
    spec: {
      genomes,
      modelsPerSegment: M,
      generations: G,
      seed,
      blocks: pointBlocks(6, 2),
      readEvery: 8,
    },
    fitness: { kind: "objective" as const, objectives, segTask },
    init,
  };
}

Deno.test("runEvolution() over every selection x mutation x crossover runs, is deterministic and elitist runs never lose their best", async () => {
  const genomes: StrategyGenome[] = [];
  for (const selection of SELECTIONS) {
    for (const mutation of MUTATIONS) {
      for (const crossover of CROSSOVERS) {
        genomes.push(
          parseGenome({ selection, mutation, crossover, nicheRadius: 0.5, diversityBonus: 0.1 }),
        );
      }
    }
  }
  const r = objectiveRun(genomes, 6, 10, 4);
  const cpu = new CpuBackend();
  const a = await runEvolution(cpu, r.spec, r.fitness, r.init);
  const b = await runEvolution(cpu, r.spec, r.fitness, r.init);
  assert.deepEqual(a.history, b.history);
  const S = genomes.length;
  for (let s = 0; s < S; s++) {
    for (let g = 1; g < 10; g++) {
      const cur = a.history[(g * S + s) * HIST]!;
      const prev = a.history[((g - 1) * S + s) * HIST]!;
      assert.ok(Number.isFinite(cur), `segment ${s} generation ${g}`);
      assert.ok(cur >= prev, `elitist segment ${s} lost its best at generation ${g}`);
    }
  }
  // The population improves on average.
  let first = 0;
  let last = 0;
  for (let s = 0; s < S; s++) {
    first += a.history[s * HIST]!;
    last += a.history[(9 * S + s) * HIST]!;
  }
  assert.ok(last > first);
});

gpuTest(
  "runEvolution() on the GPU matches the CPU twins and reads back once per readEvery generations",
  async (ctx) => {
    const rng = new Rng(2);
    const genomes = Array.from({ length: 12 }, (_, s) =>
      parseGenome({
        selection: SELECTIONS[s % 4],
        mutation: MUTATIONS[s % 5],
        crossover: CROSSOVERS[s % 4],
        mutationStrength: 0.05 + rng.uniform() * 0.3,
      }));
    const r = objectiveRun(genomes, 7, 16, 9);
    const gpu = await GpuBackend.create(ctx);
    const g = await runEvolution(gpu, r.spec, r.fitness, r.init);
    const c = await runEvolution(new CpuBackend(), r.spec, r.fitness, r.init);
    assert.equal(g.awaits, 2, "16 generations, readEvery 8: two readbacks");
    // Early generations agree up to f32 rounding; later ones may drift once rounding flips a
    // selection (evolution is chaotic), so only generations 0..2 are compared.
    const S = genomes.length;
    for (let gen = 0; gen <= 2; gen++) {
      for (let s = 0; s < S; s++) {
        const a = g.history[(gen * S + s) * HIST]!;
        const b = c.history[(gen * S + s) * HIST]!;
        assert.ok(
          Math.abs(a - b) <= 1e-3 * Math.max(1, Math.abs(b)),
          `gen ${gen} seg ${s}: ${a} vs ${b}`,
        );
      }
    }
  },
);

gpuTest(
  "evolve_shape at 256 models per segment (the largest) matches the CPU twin; 257 is rejected",
  async (ctx) => {
    // populationSize 64 is "every model": all 256 are active; sharing and the diversity bonus
    // read every pairwise distance.
    const genome = { ...BASELINE_GENOME, nicheRadius: 2, diversityBonus: 0.5 };
    const run = objectiveRun([genome, { ...genome, selection: "rank" }], 256, 3, 4);
    const gpu = await GpuBackend.create(ctx);
    const a = await runEvolution(gpu, run.spec, run.fitness, run.init);
    const b = await runEvolution(new CpuBackend(), run.spec, run.fitness, run.init);
    const far = a.history.findIndex((x, i) =>
      !(Math.abs(x - b.history[i]!) <= 1e-4 + 1e-3 * Math.abs(b.history[i]!))
    );
    assert.equal(far, -1, `history within tolerance of the CPU twin (first at ${far})`);
    const big = objectiveRun([genome], MAX_MODELS_PER_SEGMENT + 1, 2, 4);
    await assert.rejects(
      () => runEvolution(gpu, big.spec, big.fitness, big.init),
      /modelsPerSegment must be an integer in \[2, 256\]: current value is 257/,
    );
  },
);
