/**
 * Helpers shared by the evolution kernels' CPU twins (evolution_cpu.ts, evolution_fitness_cpu.ts).
 * @module
 */
import { GENOME_STRIDE } from "./evolution_genome.ts";
import type { EvolveArrays, EvolveDims } from "./evolution_arrays.ts";

/** Genome row index of the active model count. */
export const G_ACTIVE = 20;
/** Genome row index of the diversity threshold. */
export const G_DIV_THRESHOLD = 21;
/** Genome row index of the niche capacity. */
export const G_NICHE_CAPACITY = 22;

export const f32 = Math.fround;

export function finite(x: number): boolean {
  return Number.isFinite(f32(x));
}

/** Whether model p is inactive: its index in its segment is >= the segment's active count. */
export function inactive(d: EvolveDims, a: EvolveArrays, p: number): boolean {
  const s = Math.floor(p / d.M);
  return p - s * d.M >= a.genome[s * GENOME_STRIDE + G_ACTIVE]!;
}

export function counter(gen: number, purpose: number): number {
  return (gen * 16 + purpose) >>> 0;
}
