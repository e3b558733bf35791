/**
 * Level 1 base evolution: strategy genomes, the evolution kernels (fitness, selection, breeding,
 * mutation) with their CPU twins, and the driver that runs whole generations per submit.
 * @module
 */
export * from "./evolution_genome.ts";
export * from "./genome_layout.ts";
