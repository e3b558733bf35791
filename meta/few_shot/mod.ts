/**
 * Few-shot meta-learning (seeds 000 and 004): episode pools, fused inner loops of whole
 * meta-batches, a tuned from-scratch baseline, Reptile, first-order MAML, ES-MAML, Meta-SGD, the
 * PBT strategy modifier with its recursive level, MirrorMind's parts, and the `meta` experiment.
 *
 * @example
 * ```ts ignore
 * import { createBackend } from "../../learners/create_backend.ts";
 * import { SyntheticClassification } from "../../learners/tasks/synthetic_classification.ts";
 * import { EpisodePool, Fomaml, initialTheta, InnerLoop } from "./mod.ts";
 * const backend = await createBackend("auto");
 * const family = new SyntheticClassification({ ways: 5, shots: 1, queryPerClass: 5 });
 * const pool = new EpisodePool(backend, family, 1, 256);
 * const loop = new InnerLoop(backend, { widths: [16, 64, 5], batchSize: 25 });
 * const learner = new Fomaml(loop, await initialTheta(loop, 0), { innerLr: 0.1, innerSteps: 5, metaLr: 0.003 });
 * await learner.step(pool, Uint32Array.from([0, 1, 2, 3]));
 * ```
 * @module
 */
export * from "./episode_pool.ts";
export * from "./inner_loop.ts";
export * from "./meta_learner.ts";
export * from "./metric.ts";
export * from "./baseline.ts";
export * from "./reptile.ts";
export * from "./fomaml.ts";
export * from "./maml.ts";
export * from "./loop_meta_learner.ts";
export * from "./es_maml.ts";
export * from "./meta_sgd.ts";
export * from "./protonet.ts";
export * from "./registry.ts";
export * from "./train_by_steps.ts";
export * from "./loop_runner.ts";
export * from "./pbt.ts";
export * from "./self_improving.ts";
export * from "./self_improving_options.ts";
export * from "./self_improving_members.ts";
export * from "./self_improving_modifier.ts";
export * from "./config.ts";
export * from "./settings.ts";
export * from "./setting_data.ts";
export * from "./references.ts";
export * from "./nearest_neighbour.ts";
export * from "./pretrained.ts";
export * from "./report.ts";
export * from "./report_tables.ts";
export * from "./report_stats.ts";
export * from "./setting_run.ts";
export * from "./run_setting.ts";
export * from "./static_methods.ts";
export * from "./self_improving_run.ts";
export * from "./reference_methods.ts";
export * from "./mirror_mind/mod.ts";
export * from "./experiment.ts";
