/**
 * Learners: populations of MLPs on a backend (GPU kernels or their CPU twins), knobs, data sets,
 * task families and real data loaders.
 * @module
 */
export * from "./backend.ts";
export * from "./cpu_backend.ts";
export * from "./gpu_backend.ts";
export * from "./create_backend.ts";
export * from "./dataset.ts";
export * from "./knobs.ts";
export * from "./mlp_layout.ts";
export * from "./mlp_cpu.ts";
export * from "./data/mod.ts";
export * from "./tasks/mod.ts";
export * from "./easy_trainer.ts";
export * from "./population_state.ts";
export * from "./loop_budget.ts";
export * from "./mlp_uniform.ts";
export * from "./mlp_tiles.ts";
export * from "./task_source.ts";
export * from "./episode_training.ts";
export * from "./sample_episodes.ts";
export * from "./evolution_genome.ts";
