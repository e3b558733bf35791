/**
 * Configuration of the `meta` experiment (meta/few_shot/experiment.ts): the methods compared, the
 * config schema with its defaults and ranges, and the seed document's claimed numbers.
 * @module
 */
import { z } from "zod";
import type { ConfigSchema } from "../../core/config_schema.ts";

/** Methods compared. */
export const META_METHODS = [
  "baseline",
  "reptile",
  "fomaml",
  "es-maml",
  "meta-sgd",
  "self-improving",
] as const;
/** A method name. */
export type MetaMethod = typeof META_METHODS[number];

/** Resolved config of the `meta` experiment. */
export interface MetaConfig {
  /** Compute backend: "auto" (GPU if available), "gpu" or "cpu". */
  backend: "auto" | "gpu" | "cpu";
  /** Seeds (independent meta-trainings and test sets). */
  seeds: number;
  /** Settings to run. */
  settings:
    ("synthetic-1shot" | "synthetic-5shot" | "fmnist-1shot" | "fmnist-5shot" | "sinusoid")[];
  /** Meta-learning methods to compare. */
  methods: MetaMethod[];
  /** Hidden widths of the base learner. */
  hidden: number[];
  /** Synthetic family difficulty in [0, 1]. */
  difficulty: number;
  /** Meta-training iterations per seed and setting. */
  metaIterations: number;
  /** Tasks per meta-batch (ES-MAML: antithetic pairs). */
  metaBatch: number;
  /** Inner-loop SGD steps per task during meta-training. */
  innerSteps: number;
  /** Inner-loop SGD learning rate. */
  innerLr: number;
  /** Meta learning rates (Reptile: interpolation step; others: Adam step). */
  metaLr: { reptile: number; adam: number };
  /** ES-MAML perturbation standard deviation. */
  esSigma: number;
  /** Self-improving system: members and level-2 groups (each member sees the same meta-batch). */
  members: number;
  /** Self-improving system: number of level-2 groups the members are split into. */
  groups: number;
  /** Meta-training pool size (episodes sampled once). */
  trainPool: number;
  /** Test episodes per seed and setting. */
  testEpisodes: number;
  /** Validation episodes for accuracy-vs-meta-iteration curves. */
  valEpisodes: number;
  /** Meta-iterations between validation evaluations (the last one is always evaluated). */
  evalEvery: number;
  /** Inner steps of the test curves (steps to 80%). */
  evalSteps: number;
  /** Baseline tuning grid (learning rates; steps 1..evalSteps). */
  baselineLrs: number[];
  /** Meta-training episodes used to tune the baseline (capped at trainPool). */
  tuneEpisodes: number;
}

/** Config schema of `meta`. */
export const META_SCHEMA: ConfigSchema<MetaConfig> = z.object({
  backend: z.enum(["auto", "gpu", "cpu"]).default("auto"),
  seeds: z.number().int().min(1).max(100).default(2),
  settings: z.array(
    z.enum(["synthetic-1shot", "synthetic-5shot", "fmnist-1shot", "fmnist-5shot", "sinusoid"]),
  ).min(1).default([
    "synthetic-1shot",
    "synthetic-5shot",
    "fmnist-1shot",
    "fmnist-5shot",
    "sinusoid",
  ]),
  methods: z.array(z.enum(META_METHODS)).min(1).default([...META_METHODS]),
  hidden: z.array(z.number().int().min(1).max(256)).min(1).max(3).default([64, 64]),
  difficulty: z.number().min(0).max(1).default(0.9),
  metaIterations: z.number().int().min(1).max(100_000).default(40),
  metaBatch: z.number().int().min(1).max(1024).default(16),
  innerSteps: z.number().int().min(1).max(50).default(5),
  innerLr: z.number().positive().max(10).default(0.1),
  metaLr: z.object({
    reptile: z.number().positive().max(1).default(0.5),
    adam: z.number().positive().max(1).default(0.003),
  }).default({}),
  esSigma: z.number().positive().max(1).default(0.02),
  members: z.number().int().min(4).max(64).default(8),
  groups: z.number().int().min(1).max(8).default(2),
  trainPool: z.number().int().min(1).max(100_000).default(512),
  testEpisodes: z.number().int().min(2).max(100_000).default(100),
  valEpisodes: z.number().int().min(2).max(10_000).default(32),
  evalEvery: z.number().int().min(1).max(100_000).default(10),
  evalSteps: z.number().int().min(1).max(100).default(10),
  baselineLrs: z.array(z.number().positive().max(10)).min(1).default([0.03, 0.1, 0.3, 1]),
  tuneEpisodes: z.number().int().min(2).max(10_000).default(32),
});

/** The seed's claims (5-way 1-shot, synthetic): accuracy % and steps to 80%. */
export const SEED_CLAIMS = {
  baseline: { accuracy: 58.3, steps80: 12.4 },
  static: { accuracy: 72.6, steps80: 5.8 },
  "self-improving": { accuracy: 87.1, steps80: 3.2 },
} as const;
