/**
 * Learners: populations of MLPs on a backend (GPU kernels or their CPU twins), knobs, data sets,
 * task families and real data loaders. Sub-folders by concept: `mlp/` (layout, tile plans, WGSL
 * generators, kernel wrappers, CPU twins), `gpu/` (the WebGPU backend), `evolution/`, `optimizers/`,
 * `tasks/` and `data/`.
 * @module
 */
export * from "./backend.ts";
export * from "./cpu_backend.ts";
export * from "./create_backend.ts";
export * from "./dataset.ts";
export * from "./easy_trainer.ts";
export * from "./population_state.ts";
export * from "./metrics_row.ts";
export * from "./task_source.ts";
export * from "./episode_training.ts";
export * from "./gpu/mod.ts";
export * from "./mlp/mod.ts";
export * from "./optimizers/mod.ts";
export * from "./evolution/mod.ts";
export * from "./data/mod.ts";
export * from "./tasks/mod.ts";
export * from "./strategies/mod.ts";
export * from "./meta_train/mod.ts";
