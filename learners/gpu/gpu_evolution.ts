/**
 * The GPU backend's evolution: runs an `EvolutionPlan` with the evolution kernels
 * (learners/evolution/evolution_kernels.ts). Whole generations (fitness, shaping, statistics,
 * selection, breeding, commit, clock tick) go into one submit with no readback; the history rows
 * are read back once per `readEvery` generations. Memetic genomes train between generations
 * through the population's own train step, with learning rates written by the knobs kernel, in
 * the same submit.
 * @module
 */
import type { GpuContext } from "../../core/gpu_context.ts";
import { batchSubmits, submit } from "../../core/submit_batch.ts";
import { HIST } from "../evolution/evolution_arrays.ts";
import { EvolveGpu, type ExternalBuffers } from "../evolution/evolution_kernels.ts";
import {
  type EvolutionCounters,
  type EvolutionPlan,
  memeticSteps,
  type PlannedNeuralFitness,
} from "../evolution/evolution_plan.ts";

/** Encodes one generation's kernels into `enc`; selection and breeding only when `breed`. */
function encodeGeneration(
  enc: GPUCommandEncoder,
  gpu: EvolveGpu,
  plan: EvolutionPlan,
  gen: number,
): void {
  const breed = gen < plan.dims.generations - 1;
  const pass = enc.beginComputePass({ label: `evolve-gen-${gen}` });
  gpu.encode(pass, plan.fitness.kind === "objective" ? "objective" : "neural");
  gpu.encode(pass, "shape");
  gpu.encode(pass, "stats");
  if (breed) {
    gpu.encode(pass, "select");
    gpu.encode(pass, "breed");
  }
  pass.end();
  if (breed) gpu.encodeCommit(enc);
  const tick = enc.beginComputePass({ label: "evolve-tick" });
  gpu.encode(tick, "tick");
  tick.end();
}

/**
 * The memetic phase of neural generation `gen`: the batch sampling, then each step's knobs kernel
 * and the population's train step, all handed to the open submit batch (core/submit_batch.ts).
 */
function memeticPhase(
  ctx: GpuContext,
  gpu: EvolveGpu,
  fitness: PlannedNeuralFitness,
  gen: number,
): void {
  const dev = ctx.device;
  memeticSteps(fitness, gpu.dims.seed, gen, (step) => {
    const e = dev.createCommandEncoder({ label: "evolve-knobs" });
    const pass = e.beginComputePass();
    gpu.encodeKnobs(pass, step);
    pass.end();
    submit(ctx, e.finish());
  });
}

/**
 * Encodes generations [g0, g1), memetic train steps included, and submits them all in one
 * `queue.submit` (one before this change per memetic step: 674 submits per evolve meta-generation
 * at default scale).
 */
function submitGenerations(
  ctx: GpuContext,
  gpu: EvolveGpu,
  plan: EvolutionPlan,
  [g0, g1]: [number, number],
  counters: EvolutionCounters,
): void {
  const dev = ctx.device;
  const fitness = plan.fitness;
  counters.submits += batchSubmits(ctx, () => {
    let enc = dev.createCommandEncoder({ label: "evolve" });
    for (let g = g0; g < g1; g++) {
      if (fitness.kind === "neural") {
        // Memetic steps and the fitness probe go through the population's own encoders.
        submit(ctx, enc.finish());
        memeticPhase(ctx, gpu, fitness, g);
        enc = dev.createCommandEncoder({ label: "evolve" });
      }
      encodeGeneration(enc, gpu, plan, g);
    }
    submit(ctx, enc.finish());
  });
}

/** Reads the history rows of generations [g0, g1) into the plan's history (one GPU await). */
async function readHistory(gpu: EvolveGpu, plan: EvolutionPlan, [g0, g1]: [number, number]) {
  const S = plan.dims.S;
  const rowStart = g0 * S * HIST;
  const rows = await gpu.read("history", (g1 - g0) * S * HIST, rowStart);
  plan.history.set(rows as Float32Array, rowStart);
}

/**
 * Runs `plan` on the GPU and fills its history. `external` are the population's buffers for a
 * neural run (the backend checks that the population is its own).
 */
export async function evolveOnGpu(
  ctx: GpuContext,
  plan: EvolutionPlan,
  external: ExternalBuffers = {},
): Promise<EvolutionCounters> {
  const { fitness, tables } = plan;
  const gpu = await EvolveGpu.create(ctx, plan.dims, {
    tasksLength: tables.tasks.length,
    external,
    userObjective: fitness.kind === "objective" ? fitness.user : undefined,
  });
  const counters: EvolutionCounters = {
    awaits: 0,
    submits: 0,
    submitSeconds: 0,
    waitSeconds: 0,
    overBudget: 0,
  };
  try {
    gpu.upload({ ...tables, clock: new Uint32Array(4) });
    if (fitness.kind === "objective") gpu.upload({ params: fitness.initParams });
    for (let g0 = 0; g0 < plan.dims.generations; g0 += plan.readEvery) {
      const span: [number, number] = [g0, Math.min(plan.dims.generations, g0 + plan.readEvery)];
      const ts = performance.now();
      submitGenerations(ctx, gpu, plan, span, counters);
      const tw = performance.now();
      counters.submitSeconds += (tw - ts) / 1000;
      await readHistory(gpu, plan, span);
      counters.waitSeconds += (performance.now() - tw) / 1000;
      counters.awaits++;
    }
    if (fitness.kind === "objective" && fitness.user) {
      // Evaluations stopped by the user objective's iteration budget (one more await per run).
      for (const n of await gpu.read("overruns")) counters.overBudget += n;
      counters.awaits++;
    }
  } finally {
    gpu.destroy();
  }
  return counters;
}
