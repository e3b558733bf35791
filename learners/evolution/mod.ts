/**
 * Level 1 base evolution: strategy genomes and their packed rows, `runEvolution` (validation and
 * the plan a backend runs with `Backend.evolve`), parameter blocks and initial points.
 * @module
 */
export * from "./evolution_genome.ts";
export * from "./genome_layout.ts";
export * from "./evolution.ts";
export * from "./evolution_plan.ts";
export * from "./user_loop_budget.ts";
export { type EvolveDims, HIST, HISTORY_FIELDS } from "./evolution_arrays.ts";
