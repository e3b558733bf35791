/**
 * What a backend needs to run an evolution (`Backend.evolve`): the uniform, the packed tables,
 * where fitness comes from and the history to fill. `runEvolution` (evolution.ts) validates a
 * spec and builds the plan; learners/cpu_evolution.ts and learners/gpu/gpu_evolution.ts run it.
 * @module
 */
import type { BackendDataset, Population } from "../backend.ts";
import type { EvolveDims } from "./evolution_arrays.ts";
import type { BbobInstance } from "../tasks/bbob.ts";

/** A user's objective: a WGSL function body (minimized) and the file name its errors show. */
export interface UserObjectiveWgsl {
  /** Body of `fn user_objective(x: ptr<function, array<f32, MAXD>>, d: u32) -> f32`. */
  body: string;
  /** File name in compile errors (default "user_objective.wgsl"). */
  file?: string;
}

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

/** A held-out BBOB instance as a GA objective (task kind BBOB_OBJECTIVE_KIND): fitness -(f - f_opt). */
export interface BbobObjective {
  /** Marks a BBOB objective. */
  kind: "bbob";
  /** Dimension, in [2, USER_OBJECTIVE_MAXD]. */
  dim: number;
  /** The instance (function, optimum, rotations). */
  instance: BbobInstance;
}

/** The host tables uploaded before the first generation. */
export interface EvolutionTables {
  /** (S, GENOME_STRIDE) genome rows. */
  genome: Float32Array<ArrayBuffer>;
  /** (nBlocks, 4) packed parameter blocks. */
  blocks: Uint32Array<ArrayBuffer>;
  /** Objective task table (4 zeros for neural runs). */
  tasks: Float32Array<ArrayBuffer>;
  /** (S) task index per segment. */
  segTask: Uint32Array<ArrayBuffer>;
}

/** Fitness of a planned neural run: the population's own loss after its memetic steps. */
export interface PlannedNeuralFitness {
  /** Discriminant. */
  kind: "neural";
  /** The population that evolves in place (created by the same backend). */
  population: Population;
  /** Its training data. */
  data: BackendDataset;
  /** (P, 2) row ranges of each model's training rows. */
  ranges: Uint32Array;
  /** Largest gradSteps gene of the run: memetic steps per generation before the probe step. */
  gradSteps: number;
  /** (P) minibatch RNG key of each model (its segment's rngStream * M + its index); absent: p. */
  batchKeys?: Uint32Array;
}

/** Fitness of a planned run: black-box objectives or the population's own loss. */
export type PlannedFitness =
  | {
    kind: "objective";
    /** (P, stride) initial points. */
    initParams: Float32Array<ArrayBuffer>;
    /** The run's user objective (task kind 4), if any. */
    user?: UserObjective;
  }
  | PlannedNeuralFitness;

/** A validated evolution run, ready for `Backend.evolve`. */
export interface EvolutionPlan {
  /** The uniform of the evolution kernels. */
  dims: EvolveDims;
  /** Tables uploaded once. */
  tables: EvolutionTables;
  /** Generations encoded per submit and between history readbacks. */
  readEvery: number;
  /** Where fitness comes from. */
  fitness: PlannedFitness;
  /** (generations, S, HIST) history, filled by the run. */
  history: Float32Array;
}

/** Work counters of a run (all 0 on the CPU). */
export interface EvolutionCounters {
  /** GPU awaits done by the run (readbacks). */
  awaits: number;
  /** Submits to the GPU queue. */
  submits: number;
  /**
   * Seconds spent encoding and submitting work (host side; on a software adapter a submit waits
   * for the submit before it to finish, so this includes device time).
   */
  submitSeconds: number;
  /** Seconds spent awaiting readbacks: the GPU running the submitted work, plus mapping. */
  waitSeconds: number;
  /**
   * Evaluations of a user objective stopped by its iteration budget (learners/evolution/
   * user_loop_budget.ts): each flagged its model invalid (quarantined, counted in `diverged`).
   */
  overBudget: number;
}

/**
 * Step index of the probe step that ends a neural generation: above every gradSteps gene (at most
 * 8), so the knobs kernel gives it learning rate 0 and the step only measures the loss.
 */
export const PROBE_STEP = 8;

/**
 * Draws neural generation `gen`'s minibatches: gradSteps + 1 per model, the last for the probe.
 * The probe's rows are draw PROBE_STEP of the model's stream whatever the run's largest gradSteps
 * gene, so a genome's fitness probes (and so its score) do not depend on the genomes it is scored
 * beside: memetic step i reads draw i, the probe draw PROBE_STEP.
 */
export function sampleMemeticBatches(
  fitness: PlannedNeuralFitness,
  seed: number,
  gen: number,
): void {
  const { ranges, batchKeys: keys } = fitness;
  const numBatches = fitness.gradSteps + 1;
  const o = { seed, round: gen, numBatches, ranges, keys, lastSlot: PROBE_STEP };
  fitness.population.sampleBatches(o);
}

/**
 * The memetic phase of neural generation `gen`: draws fresh minibatches, then runs `gradSteps`
 * train steps and the probe step, each after `setKnobs(step)` wrote the step's knobs. A segment
 * whose own gradSteps gene is smaller holds for the steps past it (KNOB.hold: no work on the CPU
 * twin, none for a GPU workgroup whose models all hold; the model is left as it is), and its step
 * count still advances, so the probe of every model reads batch slot `gradSteps` (drawn as draw
 * PROBE_STEP, see sampleMemeticBatches), as when the held steps ran at learning rate 0.
 */
export function memeticSteps(
  fitness: PlannedNeuralFitness,
  seed: number,
  gen: number,
  setKnobs: (step: number) => void,
): void {
  const k = fitness.gradSteps;
  sampleMemeticBatches(fitness, seed, gen);
  for (let i = 0; i <= k; i++) {
    setKnobs(i === k ? PROBE_STEP : i);
    fitness.population.train(fitness.data, 1);
  }
}

/**
 * The steps of a memetic phase at which the knobs kernel writes other values than at the step
 * before: step 0 (a new generation's schedule), and each step equal to some segment's gradSteps
 * gene (its learning rate drops to 0 there; the probe step is the largest). `gradSteps` holds each
 * segment's gene; the knobs need writing only at these steps.
 */
export function knobChangeSteps(gradSteps: Iterable<number>): Set<number> {
  const out = new Set([0]);
  for (const k of gradSteps) out.add(k);
  return out;
}
