/**
 * Task families for meta-learning and evolution: the `TaskFamily` / `EpisodeBatch` interface,
 * synthetic N-way K-shot classification (with family shifts and difficulty, and its latent Bayes
 * rule), MAML sinusoid regression, N-way K-shot episodes over real data sets, black-box
 * objectives, an adaptive task sampler and difficulty schedules for curricula.
 *
 * @example
 * ```ts
 * import { SyntheticClassification } from "./mod.ts";
 * const family = new SyntheticClassification({ ways: 5, shots: 5, inputs: 16 });
 * const batch = family.sampleEpisodes(42, 1024); // one episode per model
 * ```
 * @module
 */

export * from "./task_family.ts";
export * from "./synthetic_classification.ts";
export * from "./synthetic_bayes.ts";
export * from "./sinusoid.ts";
export * from "./objectives.ts";
export * from "./real_episodes.ts";
export * from "./extended_episodes.ts";
export * from "./task_sampler.ts";
export * from "./difficulty_schedule.ts";
export * from "./sample_episodes.ts";
export * from "./bbob.ts";
export * from "./episode_classes.ts";
