// The baselines phase: every method runs within the budget, and group scores rank correctly.
import { deepEqual, equal, ok } from "node:assert/strict";
import { BASELINE_GENOME } from "../../../learners/evolution/evolution_genome.ts";
import type { Backend } from "../../../learners/backend.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { gpuTest } from "../../helpers.ts";
import {
  BASELINE_METHODS,
  type BaselineRun,
  baselinesPhase,
  groupScores,
} from "../../../meta/evolution/baselines_phase.ts";

Deno.test("groupScores() ranks and min-max normalises log values per cell, averaged over seeds", () => {
  const run = (method: string, best: number, seed: number): BaselineRun => ({
    method,
    best,
    seed,
    fid: 1,
    group: "separable",
    dim: 2,
    evaluations: 10,
  });
  const runs = [
    run("learned", 1e-2, 0),
    run("baseline GA", 1, 0),
    run("cma-es", 1e-4, 0),
    run("learned", 1, 1),
    run("baseline GA", 1, 1),
    run("cma-es", 1e-4, 1),
  ];
  const g = groupScores(runs, 2);
  const learned = g.find((x) => x.method === "learned")!;
  // Seed 0: rank 2 of 3, score (0 - -2) / (0 - -4) = 0.5 (up to the 1e-8 floor); seed 1: tied
  // with the GA for last, rank 2.5, score 0.
  equal(learned.rank.mean, 2.25);
  ok(Math.abs(learned.score.mean - 0.25) < 1e-4);
  deepEqual(g.find((x) => x.method === "cma-es")!.rank.mean, 1);
});

const OPTIONS = {
  functions: [1, 15],
  dims: [2],
  seeds: 2,
  seed: 3,
  modelsPerSegment: 6,
  generations: 5,
  initScale: 2,
};

async function checkPhase(backend: Backend) {
  const b = await baselinesPhase(backend, { ...BASELINE_GENOME }, OPTIONS);
  equal(b.budget, 30);
  equal(b.runs.length, 2 * 2 * BASELINE_METHODS.length);
  for (const r of b.runs) {
    ok(r.evaluations <= 30 && r.evaluations > 0, `${r.method} ${r.evaluations}`);
    ok(Number.isFinite(r.best) && r.best >= -1e-5, `${r.method} ${r.best}`);
  }
  equal(b.groups.length, 2 * BASELINE_METHODS.length);
  return b;
}

Deno.test("baselinesPhase() runs the six methods within the budget on the same instances", async () => {
  await checkPhase(new CpuBackend());
});

gpuTest(
  "baselinesPhase() on the GPU backend runs the six methods with the CPU run's budgets",
  async (ctx) => {
    const gpu = await checkPhase(await GpuBackend.create(ctx));
    const cpu = await checkPhase(new CpuBackend());
    const key = (r: BaselineRun) => `${r.method} f${r.fid} d${r.dim} s${r.seed} ${r.evaluations}`;
    deepEqual(gpu.runs.map(key), cpu.runs.map(key));
  },
);
