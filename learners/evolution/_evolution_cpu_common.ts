/**
 * Helpers shared by the evolution kernels' CPU twins (evolution_cpu.ts, evolution_fitness_cpu.ts).
 * @module
 */
import { GENOME, GENOME_STRIDE } from "./genome_layout.ts";
import { type EvolveArrays, type EvolveDims, MODEL_INACTIVE, NEG_BIG } from "./evolution_arrays.ts";

export const f32 = Math.fround;

export function finite(x: number): boolean {
  return Number.isFinite(f32(x));
}

/**
 * Marks model p inactive (fitness NEG_BIG, flags MODEL_INACTIVE) when `inactive` says so; returns
 * whether it did. Twin of mark_inactive in shaders/_evolve_fitness.wgsl.
 */
export function markInactive(d: EvolveDims, a: EvolveArrays, p: number): boolean {
  if (!inactive(d, a, p)) return false;
  a.fitness[p] = NEG_BIG;
  a.flags[p] = MODEL_INACTIVE;
  return true;
}

/** Whether model p is inactive: its index in its segment is >= the segment's active count. */
export function inactive(d: EvolveDims, a: EvolveArrays, p: number): boolean {
  const s = Math.floor(p / d.M);
  return p - s * d.M >= a.genome[s * GENOME_STRIDE + GENOME.active]!;
}

export function counter(gen: number, purpose: number): number {
  return (gen * 16 + purpose) >>> 0;
}
