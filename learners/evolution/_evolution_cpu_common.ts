/**
 * Helpers shared by the evolution kernels' CPU twins (evolution_cpu.ts, evolution_fitness_cpu.ts).
 * @module
 */
import { GENOME, GENOME_STRIDE } from "./genome_layout.ts";
import type { EvolveArrays, EvolveDims } from "./evolution_arrays.ts";

export const f32 = Math.fround;

export function finite(x: number): boolean {
  return Number.isFinite(f32(x));
}

/** Whether model p is inactive: its index in its segment is >= the segment's active count. */
export function inactive(d: EvolveDims, a: EvolveArrays, p: number): boolean {
  const s = Math.floor(p / d.M);
  return p - s * d.M >= a.genome[s * GENOME_STRIDE + GENOME.active]!;
}

export function counter(gen: number, purpose: number): number {
  return (gen * 16 + purpose) >>> 0;
}
