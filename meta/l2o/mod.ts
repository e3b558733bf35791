/**
 * The l2o experiment: learned optimizers meta-trained on one task family (ES and REINFORCE),
 * frozen, tuned and evaluated under distribution shift against hand-designed optimizers.
 * @module
 */
export * from "./config.ts";
export * from "./compare.ts";
export * from "./learn_phase.ts";
export * from "./tune_phase.ts";
export * from "./evaluate_phase.ts";
export * from "./report.ts";
export * from "./experiment.ts";
