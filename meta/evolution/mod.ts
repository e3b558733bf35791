/**
 * Meta-evolution of evolution strategies (levels 2 and 3): the task set, the meta-objectives,
 * scoring of genomes, the meta level's own knobs, meta-training, attribution, transfer,
 * strategies.json, the `MetaEvolutionEngine` facade and the `evolve` experiment.
 * @module
 */
export * from "./meta_task.ts";
export * from "./meta_objectives.ts";
export * from "./score_genomes.ts";
export * from "./meta_knobs.ts";
export * from "./meta_train.ts";
export * from "./attribution.ts";
export * from "./transfer.ts";
export * from "./strategies_file.ts";
export * from "./engine.ts";
export * from "./evolve_config.ts";
export * from "./evolve_phases.ts";
export * from "./evolve_report.ts";
export * from "./experiment.ts";
export * from "./baselines_phase.ts";
export * from "./baselines_report.ts";
export * from "./strategy_task.ts";
export * from "./pareto.ts";
export * from "./pareto_report.ts";
export * from "./record_scores.ts";
export * from "./meta_train_progress.ts";
export {
  USER_OBJECTIVE_MAXD,
  USER_OBJECTIVE_SIGNATURE,
} from "../../learners/evolution/evolution_kernels.ts";
