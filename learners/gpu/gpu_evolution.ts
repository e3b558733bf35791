/**
 * The GPU backend's evolution: runs an `EvolutionPlan` with the evolution kernels
 * (learners/evolution/evolution_kernels.ts). Whole generations (fitness, shaping, statistics,
 * selection, breeding, commit, clock tick) go into one submit with no readback; each span of
 * `readEvery` generations ends with the copy of its history rows, read back while the next span is
 * encoded. Memetic genomes train between generations through the population's own train step, all
 * steps of a generation in one compute pass, with learning rates written by the knobs kernel.
 * @module
 */
import type { GpuContext } from "../../core/gpu_context.ts";
import { batchSubmits, submit } from "../../core/submit_batch.ts";
import { HIST } from "../evolution/evolution_arrays.ts";
import { EvolveGpu } from "../evolution/evolution_kernels.ts";
import {
  type EvolutionCounters,
  type EvolutionPlan,
  knobChangeSteps,
  type PlannedNeuralFitness,
  PROBE_STEP,
  sampleMemeticBatches,
} from "../evolution/evolution_plan.ts";
import { GENOME, GENOME_STRIDE } from "../evolution/genome_layout.ts";
import type { GpuPopulation } from "./gpu_population.ts";

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

/** A neural run's population and the steps at which its knobs need writing. */
interface Memetic {
  fitness: PlannedNeuralFitness;
  pop: GpuPopulation;
  /** Steps whose knobs differ from the step before (knobChangeSteps). */
  knobSteps: Set<number>;
}

/**
 * The memetic phase of neural generation `gen`, in one pass of `enc`: each step's knobs kernel
 * (only where its values change) and the population's train step, the parameters alternating
 * between its two buffers and ending in the first (the batches were drawn just before). Same
 * kernels in the same order as `memeticSteps`, without a command buffer and a copy per step.
 */
function encodeMemetic(enc: GPUCommandEncoder, gpu: EvolveGpu, m: Memetic): void {
  const k = m.fitness.gradSteps;
  const run = m.pop.trainRun(m.fitness.data);
  const pass = enc.beginComputePass({ label: "evolve-memetic" });
  for (let i = 0; i <= k; i++) {
    if (m.knobSteps.has(i)) gpu.encodeKnobs(pass, i === k ? PROBE_STEP : i);
    pass.setPipeline(run.pipeline);
    for (const c of run.chunks) {
      pass.setBindGroup(0, c.groups[i % 2]!);
      pass.dispatchWorkgroups(c.grid[0], c.grid[1]);
    }
  }
  pass.end();
  const [a, b] = run.buffers;
  if (k % 2 === 0) enc.copyBufferToBuffer(b, 0, a, 0, a.size);
}

/**
 * Encodes generations [g0, g1), memetic train steps included, and submits them all in one
 * `queue.submit` that ends with the copy of their history rows (a neural generation is two command
 * buffers: the batch sampling, then its memetic pass and its evolution kernels); the returned
 * promise fills the plan's history once the copy is mapped (one GPU await).
 */
function submitGenerations(
  ctx: GpuContext,
  gpu: EvolveGpu,
  plan: EvolutionPlan,
  [g0, g1]: [number, number],
  memetic?: Memetic,
): { submits: number; history: Promise<void> } {
  const dev = ctx.device;
  const rows = plan.dims.S * HIST;
  let read: (() => Promise<Float32Array>) | undefined;
  const submits = batchSubmits(ctx, () => {
    let enc = dev.createCommandEncoder({ label: "evolve" });
    for (let g = g0; g < g1; g++) {
      if (memetic) {
        submit(ctx, enc.finish());
        sampleMemeticBatches(memetic.fitness, gpu.dims.seed, g);
        enc = dev.createCommandEncoder({ label: "evolve" });
        encodeMemetic(enc, gpu, memetic);
      }
      encodeGeneration(enc, gpu, plan, g);
    }
    read = gpu.encodeRead(enc, "history", (g1 - g0) * rows, g0 * rows);
    submit(ctx, enc.finish());
  });
  const history = read!().then((r) => plan.history.set(r, g0 * rows));
  return { submits, history };
}

/** The memetic state of a neural run on `pop`. */
function memeticOf(plan: EvolutionPlan, pop?: GpuPopulation): Memetic | undefined {
  const fitness = plan.fitness;
  if (fitness.kind !== "neural") return undefined;
  if (!pop) throw new TypeError("Cannot run a neural evolution on the GPU without its population");
  const genes = Array.from(
    { length: plan.dims.S },
    (_, s) => plan.tables.genome[s * GENOME_STRIDE + GENOME.gradSteps]!,
  );
  return { fitness, pop, knobSteps: knobChangeSteps(genes) };
}

/**
 * Runs `plan` on the GPU and fills its history. `pop` is the population of a neural run (the
 * backend checks that it is its own): the run evolves its buffers in place. Each span of
 * `readEvery` generations is one submit that ends with the copy of its history rows; the next span
 * is encoded while the device runs it (a software adapter's submit waits for the one before) and
 * its readback is awaited only after that.
 */
export async function evolveOnGpu(
  ctx: GpuContext,
  plan: EvolutionPlan,
  pop?: GpuPopulation,
): Promise<EvolutionCounters> {
  const { fitness, tables } = plan;
  const external = pop ? { params: pop.params, metrics: pop.metrics, knobs: pop.knobs } : {};
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
  const memetic = memeticOf(plan, pop);
  let pending: Promise<void> | undefined;
  try {
    gpu.upload({ ...tables, clock: new Uint32Array(4) });
    if (fitness.kind === "objective") gpu.upload({ params: fitness.initParams });
    for (let g0 = 0; g0 < plan.dims.generations; g0 += plan.readEvery) {
      const span: [number, number] = [g0, Math.min(plan.dims.generations, g0 + plan.readEvery)];
      const ts = performance.now();
      const { submits, history } = submitGenerations(ctx, gpu, plan, span, memetic);
      // Awaited once the next span is submitted; marked handled so that a rejection meanwhile (a
      // lost device) is thrown by that await, not reported as unhandled.
      history.catch(() => {});
      counters.submits += submits;
      counters.awaits++;
      const tw = performance.now();
      counters.submitSeconds += (tw - ts) / 1000;
      await pending;
      counters.waitSeconds += (performance.now() - tw) / 1000;
      pending = history;
    }
    const tw = performance.now();
    await pending;
    pending = undefined;
    counters.waitSeconds += (performance.now() - tw) / 1000;
    if (fitness.kind === "objective" && fitness.user) {
      // Evaluations stopped by the user objective's iteration budget (one more await per run).
      for (const n of await gpu.read("overruns")) counters.overBudget += n;
      counters.awaits++;
    }
  } finally {
    // After an error, let an outstanding readback settle before its buffer is destroyed.
    await pending?.catch(() => {});
    gpu.destroy();
  }
  return counters;
}
