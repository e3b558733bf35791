/**
 * Level 1 base evolution: S segments of M models, each segment evolving under its own
 * `StrategyGenome`, all in one population and one dispatch per kernel. On the GPU, whole
 * generations (fitness, shaping, statistics, selection, breeding, commit, clock tick) are encoded
 * into one submit with no readback; the per-segment history is read back every `readEvery`
 * generations. Memetic genomes (gradSteps > 0) train between generations through the population's
 * fused train step, with per-segment learning rates written by a kernel (no readback either).
 * The CPU path runs the twins in evolution_cpu.ts on the same arrays.
 * @module
 */
import { deriveSeed } from "../../core/rng.ts";
import type { Backend, BackendDataset, Population } from "../backend.ts";
import { CpuPopulation } from "../cpu_backend.ts";
import {
  breedCpu,
  commitCpu,
  createEvolveArrays,
  type EvolveArrays,
  type EvolveDims,
  HIST,
  knobsCpu,
  neuralFitnessCpu,
  objectiveFitnessCpu,
  selectCpu,
  shapeCpu,
  statsCpu,
} from "./evolution_cpu.ts";
import { packGenomeTable, type StrategyGenome } from "./evolution_genome.ts";
import { EvolveGpu, USER_OBJECTIVE_MAXD, type UserObjectiveWgsl } from "./evolution_kernels.ts";
import { GpuBackend, GpuPopulation } from "../gpu/gpu_backend.ts";
import { packBlocks, type ParamBlock } from "./evolution_blocks.ts";
import { LOOP_BUDGET } from "../mlp/loop_budget.ts";

export * from "./evolution_blocks.ts";
import { type Objective, OBJECTIVE_NAMES } from "../tasks/objectives.ts";

/**
 * A user's black-box objective (minimized): a WGSL body of
 * `fn user_objective(x: ptr<function, array<f32, MAXD>>, d: u32) -> f32` compiled into the
 * objective kernel, and optionally its CPU twin for the CPU backend. The point is not shifted or
 * rotated.
 */
export interface UserObjective extends UserObjectiveWgsl {
  /** Marks a user objective. */
  kind: "user";
  /** Dimension, in [1, USER_OBJECTIVE_MAXD]. */
  dim: number;
  /** CPU twin (required on the CPU backend). */
  cpu?: (x: Float32Array, dim: number) => number;
}

/** Packs objectives into the task table that evolve_objective.wgsl reads. */
export function packObjectiveTasks(
  objectives: readonly (Objective | UserObjective)[],
): Float32Array<ArrayBuffer> {
  let n = 4 * objectives.length;
  for (const o of objectives) if (!("body" in o)) n += o.dim + o.dim * o.dim;
  const out = new Float32Array(Math.max(4, n));
  let off = 4 * objectives.length;
  objectives.forEach((o, t) => {
    if ("body" in o) {
      out.set([4, o.dim, off, off], 4 * t);
      return;
    }
    out.set([OBJECTIVE_NAMES.indexOf(o.name), o.dim, off, off + o.dim], 4 * t);
    out.set(o.optimum, off);
    out.set(o.rotation, off + o.dim);
    off += o.dim + o.dim * o.dim;
  });
  return out;
}

/** Shape of an evolution run. */
export interface EvolutionSpec {
  /** One genome per segment (S = genomes.length). */
  genomes: readonly StrategyGenome[];
  /** Models per segment M (>= 2). */
  modelsPerSegment: number;
  /** Generations (fitness evaluations) the run will do; sizes the history. */
  generations: number;
  /** RNG seed of selection and breeding. */
  seed: number;
  /** Blocks of the parameter vector. */
  blocks: readonly ParamBlock[];
  /** Generations encoded per submit and between history readbacks (default 16). */
  readEvery?: number;
  /** Parameters per breed invocation (default 32). */
  chunk?: number;
}

/** Where fitness comes from. */
export type FitnessSource =
  | {
    kind: "objective";
    /** Built-in objectives and at most one distinct user objective. */
    objectives: readonly (Objective | UserObjective)[];
    segTask: readonly number[];
  }
  | {
    kind: "neural";
    population: Population;
    data: BackendDataset;
    /** (P, 2) row ranges of each model's training rows (minibatches and fitness probes). */
    ranges: Uint32Array;
  };

/** What a run returns. */
export interface EvolutionResult {
  /** (generations, S, HIST) per-segment statistics (see HISTORY_FIELDS). */
  history: Float32Array;
  /** GPU awaits done by the run (readbacks); 0 on the CPU. */
  awaits: number;
  /** Wall time in seconds. */
  seconds: number;
  /** Submits to the GPU queue (0 on the CPU). */
  submits: number;
  /** Seconds spent encoding and submitting work (host side; 0 on the CPU). */
  submitSeconds: number;
  /** Seconds spent awaiting readbacks: the GPU running the submitted work, plus mapping (0 on the CPU). */
  waitSeconds: number;
}

function userObjectiveOf(f: FitnessSource): UserObjective | undefined {
  if (f.kind !== "objective") return undefined;
  return f.objectives.find((o): o is UserObjective => "body" in o);
}

function validateSpec(spec: EvolutionSpec, P: number, D: number): void {
  const M = spec.modelsPerSegment;
  if (!Number.isInteger(M) || M < 2) {
    throw new RangeError(
      `Cannot create evolution as modelsPerSegment must be an integer >= 2: current value is ${M}`,
    );
  }
  if (spec.genomes.length < 1) {
    throw new RangeError("Cannot create evolution as genomes must have at least one entry");
  }
  if (P !== spec.genomes.length * M) {
    throw new RangeError(
      `Cannot create evolution as the population must have S*M = ${
        spec.genomes.length * M
      } models: current value is ${P}`,
    );
  }
  if (!Number.isInteger(spec.generations) || spec.generations < 1) {
    throw new RangeError(
      `Cannot create evolution as generations must be an integer >= 1: current value is ${spec.generations}`,
    );
  }
  // Loop budget of evolve_shape on software adapters: M * (D + 2) per invocation.
  if (M * (D + 2) > LOOP_BUDGET) {
    throw new RangeError(
      `Cannot create evolution as modelsPerSegment*(paramCount+2) must be <= ${LOOP_BUDGET}: current value is ${
        M * (D + 2)
      }`,
    );
  }
}

function makeDims(spec: EvolutionSpec, P: number, D: number, stride: number): EvolveDims {
  return {
    P,
    M: spec.modelsPerSegment,
    S: spec.genomes.length,
    D,
    stride,
    seed: deriveSeed(spec.seed, "evolve") >>> 0,
    nBlocks: spec.blocks.length,
    chunk: spec.chunk ?? 32,
    histCap: spec.generations,
    generations: spec.generations,
  };
}

/**
 * Runs `spec.generations` generations of every segment at once and returns the per-segment
 * history. `backend` picks GPU kernels or CPU twins; objective runs take their initial points in
 * `initParams` ((P, stride), stride = dim rounded up to 4), neural runs evolve the population's
 * own parameters in place.
 */
export async function runEvolution(
  backend: Backend,
  spec: EvolutionSpec,
  fitness: FitnessSource,
  initParams?: Float32Array<ArrayBuffer>,
): Promise<EvolutionResult> {
  const t0 = performance.now();
  let P: number;
  let D: number;
  let stride: number;
  if (fitness.kind === "objective") {
    D = Math.max(...fitness.objectives.map((o) => o.dim));
    stride = Math.ceil(D / 4) * 4;
    P = spec.genomes.length * spec.modelsPerSegment;
    if (!initParams || initParams.length !== P * stride) {
      throw new RangeError(
        `Cannot run objective evolution as initParams must have length P*stride = ${
          P * stride
        }: current length is ${initParams?.length}`,
      );
    }
    const users = new Set(fitness.objectives.filter((o) => "body" in o));
    if (users.size > 1) {
      throw new RangeError(
        `Cannot run objective evolution as one run takes at most one user objective: current count is ${users.size}`,
      );
    }
    for (const u of users) {
      if (!Number.isInteger(u.dim) || u.dim < 1 || u.dim > USER_OBJECTIVE_MAXD) {
        throw new RangeError(
          `Cannot run a user objective as dim must be an integer in [1, ${USER_OBJECTIVE_MAXD}]: current value is ${u.dim}`,
        );
      }
    }
    if (fitness.segTask.length !== spec.genomes.length) {
      throw new RangeError(
        `Cannot run objective evolution as segTask must have one entry per segment (${spec.genomes.length}): current length is ${fitness.segTask.length}`,
      );
    }
  } else {
    const L = fitness.population.layout;
    P = L.size;
    D = L.paramCount;
    stride = L.stride;
  }
  validateSpec(spec, P, D);
  const dims = makeDims(spec, P, D, stride);
  const genome = packGenomeTable(spec.genomes, spec.modelsPerSegment);
  const blocks = packBlocks(spec.blocks);
  const readEvery = Math.max(1, spec.readEvery ?? 16);
  const G = spec.generations;
  const kmax = Math.max(0, ...spec.genomes.map((g) => g.gradSteps));
  const tasks = fitness.kind === "objective"
    ? packObjectiveTasks(fitness.objectives)
    : new Float32Array(4);
  const segTask = new Uint32Array(spec.genomes.length);
  if (fitness.kind === "objective") fitness.segTask.forEach((t, s) => (segTask[s] = t));
  const history = new Float32Array(G * dims.S * HIST);

  if (backend instanceof GpuBackend) {
    const ctx = backend.ctx;
    let external = {};
    if (fitness.kind === "neural") {
      const pop = fitness.population;
      if (!(pop instanceof GpuPopulation)) {
        throw new TypeError("Cannot evolve a population created by another backend");
      }
      external = { params: pop.params, metrics: pop.metrics, knobs: pop.knobs };
    }
    const gpu = await EvolveGpu.create(ctx, dims, {
      tasksLength: tasks.length,
      external,
      userObjective: userObjectiveOf(fitness),
    });
    let awaits = 0;
    let submits = 0;
    let submitSeconds = 0;
    let waitSeconds = 0;
    try {
      gpu.upload({ genome, blocks, tasks, segTask, clock: new Uint32Array(4) });
      if (fitness.kind === "objective") gpu.upload({ params: initParams! });
      const dev = ctx.device;
      for (let g0 = 0; g0 < G; g0 += readEvery) {
        const g1 = Math.min(G, g0 + readEvery);
        const ts = performance.now();
        let enc = dev.createCommandEncoder({ label: "evolve" });
        for (let g = g0; g < g1; g++) {
          if (fitness.kind === "neural") {
            // Memetic steps and the fitness probe go through the population's own submits.
            dev.queue.submit([enc.finish()]);
            submits++;
            const pop = fitness.population;
            pop.sampleBatches({
              seed: dims.seed,
              round: g,
              numBatches: kmax + 1,
              ranges: fitness.ranges,
            });
            submits++;
            for (let i = 0; i <= kmax; i++) {
              const e = dev.createCommandEncoder({ label: "evolve-knobs" });
              const pass = e.beginComputePass();
              gpu.encodeKnobs(pass, i === kmax ? 8 : i);
              pass.end();
              dev.queue.submit([e.finish()]);
              pop.train(fitness.data, 1);
              submits += 2; // the knobs submit and the train submit
            }
            enc = dev.createCommandEncoder({ label: "evolve" });
          }
          const pass = enc.beginComputePass({ label: `evolve-gen-${g}` });
          gpu.encode(pass, fitness.kind === "objective" ? "objective" : "neural");
          gpu.encode(pass, "shape");
          gpu.encode(pass, "stats");
          const breed = g < G - 1;
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
        dev.queue.submit([enc.finish()]);
        submits++;
        const tw = performance.now();
        submitSeconds += (tw - ts) / 1000;
        // One readback per readEvery generations: the history rows of these generations.
        const rowStart = g0 * dims.S * HIST;
        const rows = await gpu.read("history", (g1 - g0) * dims.S * HIST, rowStart);
        waitSeconds += (performance.now() - tw) / 1000;
        awaits++;
        history.set(rows as Float32Array, rowStart);
      }
    } finally {
      gpu.destroy();
    }
    return {
      history,
      awaits,
      seconds: (performance.now() - t0) / 1000,
      submits,
      submitSeconds,
      waitSeconds,
    };
  }

  // CPU twins on host arrays (a CpuPopulation's arrays for neural runs).
  const a: EvolveArrays = createEvolveArrays(dims, tasks.length);
  a.genome.set(genome);
  a.blocks.set(blocks);
  a.tasks.set(tasks);
  a.segTask.set(segTask);
  if (fitness.kind === "objective") a.params.set(initParams!);
  else {
    const pop = fitness.population;
    if (!(pop instanceof CpuPopulation)) {
      throw new TypeError("Cannot evolve a population created by another backend");
    }
    a.params = pop.state.params;
    a.metrics = pop.state.metrics;
    a.knobs = pop.state.knobs;
  }
  for (let g = 0; g < G; g++) {
    if (fitness.kind === "neural") {
      const pop = fitness.population;
      pop.sampleBatches({
        seed: dims.seed,
        round: g,
        numBatches: kmax + 1,
        ranges: fitness.ranges,
      });
      for (let i = 0; i <= kmax; i++) {
        knobsCpu(dims, a, i === kmax ? 8 : i);
        pop.train(fitness.data, 1);
      }
      neuralFitnessCpu(dims, a);
    } else objectiveFitnessCpu(dims, a, userObjectiveOf(fitness)?.cpu);
    shapeCpu(dims, a);
    statsCpu(dims, a);
    if (g < G - 1) {
      selectCpu(dims, a);
      breedCpu(dims, a);
      commitCpu(dims, a);
    }
    a.clock[0] = a.clock[0]! + 1;
  }
  history.set(a.history);
  return {
    history,
    awaits: 0,
    seconds: (performance.now() - t0) / 1000,
    submits: 0,
    submitSeconds: 0,
    waitSeconds: 0,
  };
}
