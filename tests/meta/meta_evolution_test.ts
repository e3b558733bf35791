import assert from "node:assert/strict";
import { join } from "node:path";
import { runExperiment } from "../../core/experiment.ts";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import { BASELINE_GENOME } from "../../learners/evolution_genome.ts";
import {
  exportStrategies,
  loadStrategies,
  type MetaTask,
  metaTrain,
  scoreGenomes,
} from "../../meta/meta_evolution.ts";
import { EVOLVE } from "../../meta/meta_evolution_experiment.ts";
import { GpuBackend } from "../../learners/gpu_backend.ts";
import { gpuTest } from "../helpers.ts";

const TASKS: MetaTask[] = [
  { kind: "objective", name: "sphere", objective: "sphere", dim: 6, task: 0 },
  { kind: "objective", name: "rastrigin", objective: "rastrigin", dim: 6, task: 1 },
];
const SIZE = { modelsPerSegment: 8, generations: 12, replicates: 2 };

function meanFitness(x: { metaFitness: number }[]): number {
  return x.reduce((a, b) => a + b.metaFitness, 0) / x.length;
}

// Measured: initial population 0.196, final population 0.238 (+0.042) on the re-scoring seeds.
Deno.test("metaTrain() final meta-population beats its initial one by >= 0.03 meta-fitness on fresh seeds", async () => {
  const backend = new CpuBackend();
  const r = await metaTrain(backend, TASKS, {
    ...SIZE,
    seed: 21,
    populationSize: 12,
    metaGenerations: 8,
    includeBaseline: false,
  });
  assert.equal(r.rows.length, 8);
  const init = r.evaluated.filter((e) => e.metaGeneration === 0).map((e) => e.genome);
  let initial = 0;
  let learned = 0;
  for (const seed of [101, 102]) {
    initial += meanFitness(await scoreGenomes(backend, init, TASKS, { ...SIZE, seed })) / 2;
    learned += meanFitness(await scoreGenomes(backend, r.population, TASKS, { ...SIZE, seed })) / 2;
  }
  assert.ok(learned >= initial + 0.03, `learned ${learned} vs initial ${initial}`);
  // Level 3 moved the meta knobs.
  const knobs = new Set(r.rows.map((x) => `${x.mutationRate}/${x.tournamentSize}`));
  assert.ok(knobs.size > 1);
  // strategies.json round trip.
  const file = exportStrategies(r, TASKS);
  const back = loadStrategies(JSON.stringify(file));
  assert.deepEqual(back.universalBest.genome, r.universalBest.genome);
  assert.equal(back.top.length, Math.min(5, back.top.length));
  assert.equal(back.perTaskBest.length, 2);
});

Deno.test("scoreGenomes() is deterministic for a seed", async () => {
  const b = new CpuBackend();
  const tasks: MetaTask[] = [
    TASKS[0]!,
    {
      kind: "neural",
      name: "mlp",
      inputs: 4,
      ways: 3,
      shots: 8,
      hidden: 6,
      difficulty: 0.3,
      familySeed: 1,
    },
  ];
  const g = [{ ...BASELINE_GENOME }, { ...BASELINE_GENOME, gradSteps: 2, lr: 0.2 }];
  const x = await scoreGenomes(b, g, tasks, { ...SIZE, generations: 4, seed: 3 });
  const y = await scoreGenomes(b, g, tasks, { ...SIZE, generations: 4, seed: 3 });
  assert.deepEqual(x, y);
});

Deno.test("loadStrategies() rejects bad genome files with a clear error", () => {
  assert.throws(() => loadStrategies("{"), SyntaxError);
  assert.throws(() => loadStrategies('{"version": 2}'), /version must be 1/);
  const bad = {
    version: 1,
    universalBest: { genome: { mutation: "sideways" }, metaFitness: 0 },
    top: [],
    perTaskBest: [],
  };
  assert.throws(() => loadStrategies(JSON.stringify(bad)), /universalBest\.genome\.mutation/);
});

Deno.test("evolve experiment runs at smoke scale and writes strategies.json", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const out = await runExperiment(EVOLVE, {
      scale: "smoke",
      rawConfig: { backend: "cpu" },
      outDir: tmp,
      quiet: true,
    });
    const s = loadStrategies(await Deno.readTextFile(join(out.dir, "strategies.json")));
    assert.ok(s.top.length >= 1);
    assert.equal(typeof out.summary.learned_meta_fitness, "number");
    assert.equal(out.rows, 2);
    await Deno.stat(join(out.dir, "plots", "meta_fitness.svg"));
    await Deno.stat(join(out.dir, "plots", "attribution.svg"));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

gpuTest(
  "scoreGenomes() on the GPU (objective and memetic neural paths) agrees with the CPU twins",
  async (ctx) => {
    const tasks: MetaTask[] = [
      TASKS[0]!,
      {
        kind: "neural",
        name: "mlp",
        inputs: 4,
        ways: 3,
        shots: 8,
        hidden: 6,
        difficulty: 0.3,
        familySeed: 1,
      },
    ];
    const g = [{ ...BASELINE_GENOME }, { ...BASELINE_GENOME, gradSteps: 2, lr: 0.2 }];
    const gpu = await GpuBackend.create(ctx);
    const a = await scoreGenomes(gpu, g, tasks, { ...SIZE, generations: 4, seed: 3 });
    const b = await scoreGenomes(new CpuBackend(), g, tasks, { ...SIZE, generations: 4, seed: 3 });
    for (let i = 0; i < 2; i++) {
      assert.ok(
        Math.abs(a[i]!.metaFitness - b[i]!.metaFitness) < 0.02,
        `${a[i]!.metaFitness} vs ${b[i]!.metaFitness}`,
      );
    }
  },
);
