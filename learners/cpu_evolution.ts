/**
 * The CPU backend's evolution: runs an `EvolutionPlan` generation by generation with the twins of
 * the evolution kernels (learners/evolution/evolution_cpu.ts), on host arrays; a neural run
 * evolves the CPU population's own parameters, metrics and knobs in place.
 * @module
 */
import type { MlpState } from "./mlp/mlp_cpu.ts";
import {
  breedCpu,
  commitCpu,
  createEvolveArrays,
  type EvolveArrays,
  knobsCpu,
  neuralFitnessCpu,
  objectiveFitnessCpu,
  selectCpu,
  shapeCpu,
  statsCpu,
} from "./evolution/evolution_cpu.ts";
import {
  type EvolutionCounters,
  type EvolutionPlan,
  memeticSteps,
} from "./evolution/evolution_plan.ts";

/** Host arrays of a run: the plan's tables, and the population's arrays for a neural run. */
function hostArrays(plan: EvolutionPlan, state?: MlpState): EvolveArrays {
  const { tables, fitness } = plan;
  const a = createEvolveArrays(plan.dims, tables.tasks.length);
  a.genome.set(tables.genome);
  a.blocks.set(tables.blocks);
  a.tasks.set(tables.tasks);
  a.segTask.set(tables.segTask);
  if (fitness.kind === "objective") a.params.set(fitness.initParams);
  else if (state) {
    a.params = state.params;
    a.metrics = state.metrics;
    a.knobs = state.knobs;
  }
  return a;
}

/** One generation: fitness, shaping, statistics, and (but after the last) selection and breeding. */
function generation(plan: EvolutionPlan, a: EvolveArrays, gen: number): void {
  const { dims: d, fitness } = plan;
  if (fitness.kind === "neural") {
    memeticSteps(fitness, d.seed, gen, (step) => knobsCpu(d, a, step));
    neuralFitnessCpu(d, a);
  } else objectiveFitnessCpu(d, a, fitness.user?.cpu);
  shapeCpu(d, a);
  statsCpu(d, a);
  if (gen < d.generations - 1) {
    selectCpu(d, a);
    breedCpu(d, a);
    commitCpu(d, a);
  }
  a.clock[0] = a.clock[0]! + 1;
}

/**
 * Runs `plan` on the CPU and fills its history. `state` is the CPU population's state for a
 * neural run (the backend checks that the population is its own).
 */
export function evolveOnCpu(plan: EvolutionPlan, state?: MlpState): EvolutionCounters {
  const a = hostArrays(plan, state);
  for (let g = 0; g < plan.dims.generations; g++) generation(plan, a, g);
  plan.history.set(a.history);
  return { awaits: 0, submits: 0, submitSeconds: 0, waitSeconds: 0, overBudget: 0 };
}
