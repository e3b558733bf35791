/**
 * Level 1 base evolution: S segments of M models, each segment evolving under its own
 * `StrategyGenome`, all in one population and one dispatch per kernel. `runEvolution` validates a
 * run, packs its tables into an `EvolutionPlan` (evolution_plan.ts) and hands it to the backend
 * (`Backend.evolve`): the GPU backend encodes whole generations per submit with no readback
 * (learners/gpu/gpu_evolution.ts), the CPU backend runs the twins of evolution_cpu.ts on the same
 * arrays (learners/cpu_evolution.ts). Memetic genomes (gradSteps > 0) train between generations
 * through the population's fused train step.
 * @module
 */
import { deriveSeed } from "../../core/rng.ts";
import type { Backend, BackendDataset, Population } from "../backend.ts";
import { type EvolveDims, HIST } from "./evolution_arrays.ts";
import { BBOB_OBJECTIVE_KIND, EVOLVE_ROW, TASK, USER_OBJECTIVE_KIND } from "./evolution_rows.ts";
import { packGenomeTable, type StrategyGenome } from "./evolution_genome.ts";
import { MAX_MODELS_PER_SEGMENT, USER_OBJECTIVE_MAXD } from "./evolution_kernels.ts";
import { packBlocks, type ParamBlock } from "./evolution_blocks.ts";
import type {
  BbobObjective,
  EvolutionCounters,
  EvolutionPlan,
  PlannedFitness,
  UserObjective,
} from "./evolution_plan.ts";
import { LOOP_BUDGET } from "../mlp/loop_budget.ts";
import { type Objective, OBJECTIVE_NAMES } from "../tasks/objectives.ts";

export * from "./evolution_blocks.ts";
export type { BbobObjective, UserObjective } from "./evolution_plan.ts";

export { MAX_MODELS_PER_SEGMENT } from "./evolution_kernels.ts";

/** Any objective of an objective run: built-in, a user's WGSL, or a BBOB instance. */
export type AnyObjective = Objective | UserObjective | BbobObjective;

const isBbob = (o: AnyObjective): o is BbobObjective => "instance" in o;

/** Packs objectives into the task table that evolve_objective.wgsl reads. */
export function packObjectiveTasks(
  objectives: readonly AnyObjective[],
): Float32Array<ArrayBuffer> {
  let n = EVOLVE_ROW * objectives.length;
  for (const o of objectives) {
    if (isBbob(o)) n += 1 + o.dim + 2 * o.dim * o.dim;
    else if (!("body" in o)) n += o.dim + o.dim * o.dim;
  }
  const out = new Float32Array(Math.max(EVOLVE_ROW, n));
  let off = EVOLVE_ROW * objectives.length;
  const header = (t: number, kind: number, dim: number, optimum: number, rotation: number) => {
    const r = t * EVOLVE_ROW;
    out[r + TASK.kind] = kind;
    out[r + TASK.dim] = dim;
    out[r + TASK.optimum] = optimum;
    out[r + TASK.rotation] = rotation;
  };
  objectives.forEach((o, t) => {
    if ("body" in o) {
      header(t, USER_OBJECTIVE_KIND, o.dim, off, off);
      return;
    }
    if (isBbob(o)) {
      // Instance block: fid, x_opt (D), R (D, D), Q (D, D); the header points at it twice.
      const { fid, dim, xopt, R, Q } = o.instance;
      header(t, BBOB_OBJECTIVE_KIND, dim, off, off);
      out[off] = fid;
      out.set(xopt, off + 1);
      out.set(R, off + 1 + dim);
      out.set(Q, off + 1 + dim + dim * dim);
      off += 1 + dim + 2 * dim * dim;
      return;
    }
    header(t, OBJECTIVE_NAMES.indexOf(o.name), o.dim, off, off + o.dim);
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
  /** Models per segment M, in [2, MAX_MODELS_PER_SEGMENT]. */
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
  /**
   * Random stream of each segment's selection and breeding (default: the segment index). Segments
   * with the same stream and the same inputs draw the same random numbers: common random numbers
   * for comparing genomes on the same (task, replicate).
   */
  rngStreams?: readonly number[];
}

/** Where fitness comes from. */
export type FitnessSource =
  | {
    kind: "objective";
    /** Built-in objectives, BBOB instances and at most one distinct user objective. */
    objectives: readonly AnyObjective[];
    segTask: readonly number[];
  }
  | {
    kind: "neural";
    population: Population;
    data: BackendDataset;
    /** (P, 2) row ranges of each model's training rows (minibatches and fitness probes). */
    ranges: Uint32Array;
  };

/** What a run returns: the history, the wall time and the backend's work counters. */
export interface EvolutionResult extends EvolutionCounters {
  /** (generations, S, HIST) per-segment statistics (see HISTORY_FIELDS). */
  history: Float32Array;
  /** Wall time in seconds. */
  seconds: number;
}

function userObjectiveOf(f: FitnessSource): UserObjective | undefined {
  if (f.kind !== "objective") return undefined;
  return f.objectives.find((o): o is UserObjective => "body" in o);
}

/** A stream index whose keys (stream * M + i) stay exact in the f32 genome row. */
const isStream = (v: number) => Number.isInteger(v) && v >= 0 && v < 2 ** 18;

function validateSpec(spec: EvolutionSpec, P: number, D: number): void {
  const M = spec.modelsPerSegment;
  if (!Number.isInteger(M) || M < 2 || M > MAX_MODELS_PER_SEGMENT) {
    throw new RangeError(
      `Cannot create evolution as modelsPerSegment must be an integer in [2, ${MAX_MODELS_PER_SEGMENT}]: current value is ${M}`,
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
  const streams = spec.rngStreams;
  if (streams && (streams.length !== spec.genomes.length || !streams.every(isStream))) {
    throw new RangeError(
      `Cannot create evolution as rngStreams must hold one integer in [0, 262144) per segment: current length is ${streams.length}`,
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

/** Checks an objective run: initial points of length P*stride, at most one valid user objective, one task per segment. */
function checkObjectiveRun(
  spec: EvolutionSpec,
  fitness: Extract<FitnessSource, { kind: "objective" }>,
  need: number,
  initParams?: Float32Array<ArrayBuffer>,
): void {
  if (!initParams || initParams.length !== need) {
    throw new RangeError(
      `Cannot run objective evolution as initParams must have length P*stride = ${need}: current length is ${initParams?.length}`,
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
  for (const o of fitness.objectives.filter(isBbob)) {
    if (o.dim !== o.instance.dim || o.dim < 2 || o.dim > USER_OBJECTIVE_MAXD) {
      throw new RangeError(
        `Cannot run a BBOB objective as dim must equal its instance's and lie in [2, ${USER_OBJECTIVE_MAXD}]: current value is ${o.dim}`,
      );
    }
  }
  if (fitness.segTask.length !== spec.genomes.length) {
    throw new RangeError(
      `Cannot run objective evolution as segTask must have one entry per segment (${spec.genomes.length}): current length is ${fitness.segTask.length}`,
    );
  }
}

/** Models P, parameters D and model stride of a run (checking an objective run's inputs). */
function runShape(
  spec: EvolutionSpec,
  fitness: FitnessSource,
  initParams?: Float32Array<ArrayBuffer>,
): { P: number; D: number; stride: number } {
  if (fitness.kind === "neural") {
    const L = fitness.population.layout;
    return { P: L.size, D: L.paramCount, stride: L.stride };
  }
  const D = Math.max(...fitness.objectives.map((o) => o.dim));
  const stride = Math.ceil(D / 4) * 4;
  const P = spec.genomes.length * spec.modelsPerSegment;
  checkObjectiveRun(spec, fitness, P * stride, initParams);
  return { P, D, stride };
}

/** The plan of a validated run: uniform, packed tables, fitness source and an empty history. */
function buildPlan(
  spec: EvolutionSpec,
  fitness: FitnessSource,
  dims: EvolveDims,
  initParams?: Float32Array<ArrayBuffer>,
): EvolutionPlan {
  const segTask = new Uint32Array(spec.genomes.length);
  let planned: PlannedFitness;
  if (fitness.kind === "objective") {
    fitness.segTask.forEach((t, s) => (segTask[s] = t));
    planned = { kind: "objective", initParams: initParams!, user: userObjectiveOf(fitness) };
  } else {
    const { population, data, ranges } = fitness;
    const gradSteps = Math.max(0, ...spec.genomes.map((g) => g.gradSteps));
    // With rngStreams, model i of a segment draws its minibatches from stream * M + i, as its
    // selection and breeding do (common random numbers across segments of the same stream).
    const batchKeys = spec.rngStreams &&
      Uint32Array.from({ length: dims.P }, (_, p) => {
        const s = Math.floor(p / dims.M);
        return spec.rngStreams![s]! * dims.M + p - s * dims.M;
      });
    planned = { kind: "neural", population, data, ranges, gradSteps, batchKeys };
  }
  return {
    dims,
    tables: {
      genome: packGenomeTable(spec.genomes, spec.modelsPerSegment, spec.rngStreams),
      blocks: packBlocks(spec.blocks),
      tasks: fitness.kind === "objective"
        ? packObjectiveTasks(fitness.objectives)
        : new Float32Array(4),
      segTask,
    },
    readEvery: Math.max(1, spec.readEvery ?? 16),
    fitness: planned,
    history: new Float32Array(spec.generations * dims.S * HIST),
  };
}

/**
 * Runs `spec.generations` generations of every segment at once and returns the per-segment
 * history. `backend` runs its kernels or CPU twins (`Backend.evolve`); objective runs take their
 * initial points in `initParams` ((P, stride), stride = dim rounded up to 4), neural runs evolve
 * the population's own parameters in place.
 */
export async function runEvolution(
  backend: Backend,
  spec: EvolutionSpec,
  fitness: FitnessSource,
  initParams?: Float32Array<ArrayBuffer>,
): Promise<EvolutionResult> {
  const t0 = performance.now();
  const { P, D, stride } = runShape(spec, fitness, initParams);
  validateSpec(spec, P, D);
  const plan = buildPlan(spec, fitness, makeDims(spec, P, D, stride), initParams);
  const counters = await backend.evolve(plan);
  return { history: plan.history, ...counters, seconds: (performance.now() - t0) / 1000 };
}
