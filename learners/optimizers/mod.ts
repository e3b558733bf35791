/**
 * Per-model optimizers: the knobs table (one row of hyperparameters per model) and the CPU twin of
 * the train step's update phase (SGD, momentum, Adam, learned optimizers).
 * @module
 */
export * from "./knobs.ts";
export * from "./host_adam.ts";
