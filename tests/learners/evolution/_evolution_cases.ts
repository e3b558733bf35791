/** Seeded random inputs shared by the evolution kernel tests (internal). */
import { Rng } from "../../../core/rng.ts";
import {
  createEvolveArrays,
  type EvolveArrays,
  type EvolveDims,
  f32ToBits,
  objectiveFitnessCpu,
  selectCpu,
  shapeCpu,
  statsCpu,
} from "../../../learners/evolution/evolution_cpu.ts";
import {
  CROSSOVERS,
  LR_SCHEDULES,
  MUTATIONS,
  packGenomeTable,
  randomGenome,
  SELECTIONS,
  type StrategyGenome,
} from "../../../learners/evolution/evolution_genome.ts";

/** One genome per segment covering every selection x mutation pair (S = 20), random numeric genes. */
export function coverGenomes(S: number, seed: number): StrategyGenome[] {
  const rng = new Rng(seed, 7);
  return Array.from({ length: S }, (_, s) => ({
    ...randomGenome(rng),
    selection: SELECTIONS[s % 4]!,
    mutation: MUTATIONS[s % 5]!,
    crossover: CROSSOVERS[Math.floor(s / 5) % 4]!,
    lrSchedule: LR_SCHEDULES[s % 4]!,
    crossoverRate: 0.8,
    mutationRate: 0.5,
    elitismRatio: s % 3 === 0 ? 0 : 0.2,
    nicheRadius: s % 2 === 0 ? 0.8 : 0,
    gradSteps: s % 3,
    // Some full segments (64 = all M); the rest keep their random active count.
    ...(s % 5 === 0 ? { populationSize: 64 } : {}),
  }));
}

/**
 * The dims of S segments of M models of D parameters, stride D rounded up to a multiple of 4, one
 * block, chunks of 8, one generation; `over` replaces any field.
 */
export function evolveDims(
  S: number,
  M: number,
  D: number,
  over: Partial<EvolveDims> = {},
): EvolveDims {
  const base = { seed: 1, nBlocks: 1, chunk: 8, histCap: 1, generations: 1 };
  return { P: S * M, M, S, D, stride: Math.ceil(D / 4) * 4, ...base, ...over };
}

/** A consistent state: random params, objective fitness with some invalid models, shaped. */
export function makeCase(
  S: number,
  M: number,
  D: number,
  seed: number,
): { d: EvolveDims; a: EvolveArrays; genomes: StrategyGenome[] } {
  const d = evolveDims(S, M, D, { seed, nBlocks: 3, histCap: 4, generations: 10 });
  const stride = d.stride;
  const rng = new Rng(seed, 3);
  // tasks: 2 tasks on the first dim(=min(D, 5)) params: sphere-like and rastrigin-like.
  const dim = Math.min(D, 5);
  const tasks = new Float32Array(8 + 2 * (dim + dim * dim));
  let off = 8;
  for (let t = 0; t < 2; t++) {
    tasks.set([t === 0 ? 1 : 3, dim, off, off + dim], 4 * t);
    for (let i = 0; i < dim; i++) tasks[off + i] = rng.range(-1, 1);
    for (let i = 0; i < dim * dim; i++) tasks[off + dim + i] = rng.normal() / Math.sqrt(dim);
    off += dim + dim * dim;
  }
  const a = createEvolveArrays(d, tasks.length);
  a.tasks.set(tasks);
  for (let s = 0; s < S; s++) a.segTask[s] = s % 2;
  for (let i = 0; i < a.params.length; i++) a.params[i] = (i % stride) < D ? rng.normal() : 0;
  // Tight segments (s % 3 == 1): diversity ~0.4, so some fall below their diversity threshold.
  for (let s = 1; s < S; s += 3) {
    for (let i = s * M * stride; i < (s + 1) * M * stride; i++) a.params[i] = a.params[i]! * 0.3;
  }
  const genomes = coverGenomes(S, seed);
  // Shared random streams (segments 0 and 5 draw alike, ...), as scoring's common random numbers do.
  a.genome.set(packGenomeTable(genomes, M, genomes.map((_, s) => s % 5)));
  // blocks: [0, w), [w, w + r), [w + r, D)
  const w = Math.floor(D / 2);
  const cols = Math.max(1, Math.floor(w / 3));
  const rows = Math.floor(w / cols);
  const b0 = rows * cols;
  a.blocks.set([0, rows, cols, f32ToBits(0.5), b0, D - b0 - 1, 1, f32ToBits(0.1), D - 1, 1, 1, 0]);
  for (let p = 0; p < d.P; p++) a.sigma[p] = 0.5 + rng.uniform();
  objectiveFitnessCpu(d, a);
  // Some invalid models, a fully invalid segment (S-1), ties in segment 1.
  for (let p = 0; p < d.P; p++) if (rng.uniform() < 0.15) a.flags[p] = 1;
  for (let j = 0; j < M; j++) a.flags[(S - 1) * M + j] = 1;
  for (let j = 0; j < M; j += 2) a.fitness[M + j] = -1;
  for (let p = 0; p < d.P; p++) {
    a.parents.set([p, p, p % 3 === 0 ? 1 : 0, f32ToBits(a.fitness[p]! - 0.1)], 4 * p);
  }
  a.clock[0] = 1;
  a.segState.fill(1);
  shapeCpu(d, a);
  statsCpu(d, a);
  selectCpu(d, a);
  return { d, a, genomes };
}

/** Deep copy of the arrays. */
export function cloneArrays(a: EvolveArrays): EvolveArrays {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) out[k] = (v as Float32Array).slice();
  return out as unknown as EvolveArrays;
}
