/**
 * Meta level: experiments that tune, evolve and meta-learn populations.
 * @module
 */
export * from "./lr_sweep.ts";
export * from "./few_shot/mod.ts";
export * from "./evolution/mod.ts";
export * from "./l2o/mod.ts";
export * from "./learned_optimizer_training.ts";
export * from "./learned_optimizer_unroll.ts";
export * from "./learned_optimizer.ts";
