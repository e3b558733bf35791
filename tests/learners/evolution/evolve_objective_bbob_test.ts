// Parity of evolve_objective.wgsl's BBOB task kind (shaders/_bbob.wgsl) with objectiveFitnessCpu()
// and with bbobBatch() on the instances' own (f64) values: all 14 functions of the suite, one per
// segment, M = 7 models (P = 98, not a multiple of the workgroup size), D = 2, 10 and 21, random
// points in [-5, 5]^D and points near the optimum; and whole GA runs on BBOB tasks, GPU vs CPU.
import { deepStrictEqual, ok } from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import type { GpuContext } from "../../../core/gpu_context.ts";
import type { EvolveArrays, EvolveDims } from "../../../learners/evolution/evolution_arrays.ts";
import {
  createEvolveArrays,
  objectiveFitnessCpu,
} from "../../../learners/evolution/evolution_cpu.ts";
import {
  type BbobObjective,
  initialPoints,
  packObjectiveTasks,
  pointBlocks,
  runEvolution,
  type UserObjective,
} from "../../../learners/evolution/evolution.ts";
import { HIST, HISTORY } from "../../../learners/evolution/evolution_rows.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { EvolveGpu } from "../../../learners/evolution/evolution_kernels.ts";
import { BASELINE_GENOME, packGenomeTable } from "../../../learners/evolution/evolution_genome.ts";
import { BBOB_IDS, bbobBatch, bbobInstance } from "../../../learners/tasks/bbob.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { cloneArrays, evolveDims } from "./_evolution_cases.ts";

/** Arrays of one objective step: segment s evaluates BBOB function BBOB_IDS[s] on random points. */
function bbobCase(D: number, M: number) {
  const S = BBOB_IDS.length;
  const d = evolveDims(S, M, D, { seed: 3 });
  const insts = BBOB_IDS.map((fid, s) => bbobInstance(fid, D, s, 7));
  const objectives: BbobObjective[] = insts.map((instance) => ({ kind: "bbob", dim: D, instance }));
  const tasks = packObjectiveTasks(objectives);
  const a = createEvolveArrays(d, tasks.length);
  a.tasks.set(tasks);
  a.genome.set(packGenomeTable(insts.map(() => ({ ...BASELINE_GENOME, populationSize: 64 })), M));
  const rng = new Rng(D, 4);
  for (let s = 0; s < S; s++) {
    a.segTask[s] = s;
    for (let j = 0; j < M; j++) {
      for (let k = 0; k < D; k++) {
        const near = insts[s]!.xopt[k]! + 0.01 * rng.normal();
        a.params[(s * M + j) * d.stride + k] = j < 2 ? near : rng.range(-5, 5);
      }
    }
  }
  return { d, a, insts };
}

/** Runs the objective kernel once on `a`, then `check` reads the kernel's outputs. */
async function runObjectiveKernel(
  ctx: GpuContext,
  d: EvolveDims,
  a: EvolveArrays,
  userObjective: UserObjective | undefined,
  check: (gpu: EvolveGpu) => Promise<void>,
): Promise<void> {
  const gpu = await EvolveGpu.create(ctx, d, { tasksLength: a.tasks.length, userObjective });
  try {
    gpu.upload(a);
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    gpu.encode(pass, "objective");
    pass.end();
    ctx.device.queue.submit([enc.finish()]);
    await check(gpu);
  } finally {
    gpu.destroy();
  }
}

for (const D of [2, 10, 21]) {
  gpuTest(
    `evolve_objective kernel matches objectiveFitnessCpu() on BBOB tasks when D=${D}`,
    async (ctx) => {
      const M = 7;
      const { d, a, insts } = bbobCase(D, M);
      const want = cloneArrays(a);
      objectiveFitnessCpu(d, want);
      // The twin reads the f32 task table; the instances' own f64 values agree to f32 rounding.
      const direct = new Float64Array(d.P);
      insts.forEach((o, s) => {
        const xs = new Float64Array(M * D);
        for (let j = 0; j < M; j++) {
          for (let k = 0; k < D; k++) xs[j * D + k] = a.params[(s * M + j) * d.stride + k]!;
        }
        direct.set(bbobBatch(o, xs, M).map((v) => -v), s * M);
      });
      assertClose(want.fitness, direct, {
        atol: 1e-3,
        rtol: 1e-3,
        what: `D=${D} twin vs bbobBatch`,
      });
      await runObjectiveKernel(ctx, d, a, undefined, async (gpu) => {
        const got = await gpu.read("fitness", d.P);
        assertClose(got, want.fitness, { atol: 2e-3, rtol: 2e-3, what: `D=${D} -(f - f_opt)` });
        deepStrictEqual(Array.from(await gpu.read("flags", d.P)), Array.from(want.flags));
      });
    },
  );
}

gpuTest(
  "runEvolution() on BBOB tasks: the GPU matches the CPU twins in generations 0-2",
  async (ctx) => {
    const D = 10;
    const M = 9;
    const insts = [2, 10, 15, 24].map((fid, k) => bbobInstance(fid, D, k, 3));
    const objectives: BbobObjective[] = insts.map((instance) => ({
      kind: "bbob",
      dim: D,
      instance,
    }));
    const segTask = insts.flatMap((_, i) => [i, i]);
    const genomes = insts.flatMap(() => [
      { ...BASELINE_GENOME },
      { ...BASELINE_GENOME, selection: "rank" as const, mutationStrength: 0.3 },
    ]);
    const spec = {
      genomes,
      modelsPerSegment: M,
      generations: 6,
      seed: 5,
      blocks: pointBlocks(D, 2),
    };
    const init = initialPoints(segTask, M, D, 12, { seed: 5, initScale: 2 });
    const fitness = { kind: "objective" as const, objectives, segTask };
    const g = await runEvolution(await GpuBackend.create(ctx), spec, fitness, init);
    const c = await runEvolution(new CpuBackend(), spec, fitness, init);
    // As in evolution_test.ts: later generations may drift once f32 rounding flips a selection.
    const S = genomes.length;
    for (let gen = 0; gen <= 2; gen++) {
      for (let s = 0; s < S; s++) {
        for (const col of [HISTORY.best, HISTORY.mean, HISTORY.bestSoFar]) {
          const a = g.history[(gen * S + s) * HIST + col]!;
          const b = c.history[(gen * S + s) * HIST + col]!;
          ok(
            Math.abs(a - b) <= 2e-3 * Math.max(1, Math.abs(b)),
            `gen ${gen} seg ${s}: ${a} vs ${b}`,
          );
        }
      }
    }
  },
);

gpuTest(
  "evolve_objective kernel matches objectiveFitnessCpu() with a user objective beside BBOB tasks at D=64 and M=2",
  async (ctx) => {
    // Segments: a user objective of 49,000 loop iterations (under its budget of 50,000), then f15,
    // f12 and f13 at D = 64. With M = 2 the 8 models share one SIMD group, which on lavapipe ran
    // the loops of all four branches (about 80,000 iterations, past the 65,535 cap) and stopped
    // the user's loop early, unflagged, until each segment got SIMD groups of its own.
    const D = 64;
    const M = 2;
    const iterations = 49_000;
    const user: UserObjective = {
      kind: "user",
      dim: 4,
      body:
        `var n = 0u;\nfor (var i = 0u; i < ${iterations}u; i++) { n += 1u; }\nreturn (*x)[0] + f32(n);`,
      cpu: (x) => Math.fround(x[0]! + iterations),
    };
    const insts = [15, 12, 13].map((fid, k) => bbobInstance(fid, D, k, 5));
    const objectives = [
      user,
      ...insts.map((instance) => ({ kind: "bbob" as const, dim: D, instance })),
    ];
    const S = objectives.length;
    const d = evolveDims(S, M, D, { seed: 3 });
    const tasks = packObjectiveTasks(objectives);
    const a = createEvolveArrays(d, tasks.length);
    a.tasks.set(tasks);
    a.genome.set(
      packGenomeTable(objectives.map(() => ({ ...BASELINE_GENOME, populationSize: 64 })), M),
    );
    const rng = new Rng(9, 4);
    for (let s = 0; s < S; s++) {
      a.segTask[s] = s;
      for (let k = 0; k < M * d.stride; k++) a.params[s * M * d.stride + k] = rng.range(-5, 5);
    }
    const want = cloneArrays(a);
    objectiveFitnessCpu(d, want, user.cpu);
    await runObjectiveKernel(ctx, d, a, user, async (gpu) => {
      const got = await gpu.read("fitness", d.P);
      assertClose(got, want.fitness, { atol: 2e-3, rtol: 2e-3, what: "user and BBOB fitness" });
      deepStrictEqual(Array.from(await gpu.read("flags", d.P)), Array.from(want.flags));
      deepStrictEqual(Array.from(await gpu.read("overruns", d.P)), new Array(d.P).fill(0));
    });
  },
);
