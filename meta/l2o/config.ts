/**
 * The l2o experiment's config: the compared methods, the learned ones (how each is meta-trained and
 * saved), the resolved config and its schema.
 * @module
 */
import { z } from "zod";
import type { ConfigSchema } from "../../core/config_schema.ts";
import type { LearnedKind } from "../learned_optimizer.ts";
import { DEFAULT_ES_CONFIG, type EsConfig } from "../learned_optimizer_training.ts";
import type { UnrollModel } from "../learned_optimizer_unroll.ts";

/** The compared methods. */
export const L2O_METHODS = [
  "sgd",
  "momentum",
  "adam",
  "sgd-cosine",
  "learned",
  "learned-reinforce",
  "learned-per-param",
] as const;
/** A compared method. */
export type L2oMethod = typeof L2O_METHODS[number];
/** The learned methods: how each is meta-trained, its kind and its saved file. */
export const LEARNED_METHODS = {
  "learned": { kind: "lr-scale", by: "es", file: "learned_optimizer.json" },
  "learned-reinforce": {
    kind: "lr-scale",
    by: "reinforce",
    file: "learned_optimizer_reinforce.json",
  },
  "learned-per-param": { kind: "per-param", by: "es", file: "learned_optimizer_per_param.json" },
} as const satisfies Record<string, { kind: LearnedKind; by: "es" | "reinforce"; file: string }>;
/** A learned method. */
export type LearnedMethod = keyof typeof LEARNED_METHODS;

/** The resolved config of the l2o experiment. */
export interface L2oConfig {
  /** gpu, cpu, or auto. */
  backend: "auto" | "gpu" | "cpu";
  /** Family A (synthetic classification). */
  family: {
    inputs: number;
    ways: number;
    shots: number;
    queryPerClass: number;
    difficulty: number;
    familySeed: number;
  };
  /** The base learner. */
  model: UnrollModel;
  /** ES meta-training (see EsConfig; also the REINFORCE and per-param runs). */
  es: Omit<EsConfig, "model" | "kind">;
  /** Meta step size of REINFORCE (its non-antithetic estimate is noisier than ES's). */
  reinforceMetaLr: number;
  /** A frozen lr-scale learned optimizer to load instead of meta-training by ES (JSON file). */
  learnedOptimizer?: string;
  /** A frozen lr-scale learned optimizer to load instead of meta-training by REINFORCE. */
  learnedReinforce?: string;
  /** A frozen per-param learned optimizer to load instead of meta-training by ES. */
  learnedPerParam?: string;
  /** Train steps of every evaluation run. */
  steps: number;
  /** Steps between loss samples. */
  every: number;
  /** Learning-rate grid of sgd, momentum, sgd-cosine and the learned methods (their base lr). */
  lrGrid: number[];
  /** Learning-rate grid of Adam (same size as lrGrid: the same tuning budget). */
  adamGrid: number[];
  /** Family-A tasks used for tuning every method's learning rate. */
  tuneTasks: number;
  /** Shift sizes s of family B: offset s, rotation 0.5 s rad, scale 1 + 0.5 s. */
  shifts: number[];
  /** Independent seeds (each: new tasks and inits) per evaluation family. */
  seeds: number;
  /** Tasks per seed. */
  tasks: number;
  /**
   * Independent meta-training runs (meta/l2o/runs_phase.ts): the main run and `metaSeeds - 1`
   * more from their own seeds, each compared with Adam (1: the main run only; none when a learned
   * optimizer is loaded from a file).
   */
  metaSeeds: number;
  /** Training-loss threshold for steps-to-threshold. */
  threshold: number;
  /** Fashion-MNIST class episodes (skipped when the files are absent). */
  fashion: {
    enabled: boolean;
    ways: number;
    shots: number;
    queryPerClass: number;
    downsample: number;
  };
}

/** Schema of the ES settings (see EsConfig). */
const ES_SCHEMA = z.object({
  pairs: z.number().int().min(1).max(256).default(DEFAULT_ES_CONFIG.pairs),
  tasks: z.number().int().min(1).max(256).default(DEFAULT_ES_CONFIG.tasks),
  generations: z.number().int().min(1).max(100_000).default(DEFAULT_ES_CONFIG.generations),
  sigma: z.number().positive().max(10).default(DEFAULT_ES_CONFIG.sigma),
  metaLr: z.number().positive().max(10).default(DEFAULT_ES_CONFIG.metaLr),
  minUnroll: z.number().int().min(1).max(100_000).default(DEFAULT_ES_CONFIG.minUnroll),
  maxUnroll: z.number().int().min(1).max(100_000).default(DEFAULT_ES_CONFIG.maxUnroll),
  every: z.number().int().min(1).max(10_000).default(DEFAULT_ES_CONFIG.every),
  lr: z.number().positive().max(100).default(0.05),
  momentum: z.number().min(0).max(0.999).default(DEFAULT_ES_CONFIG.momentum),
  initStd: z.number().min(0).max(10).default(DEFAULT_ES_CONFIG.initStd),
  divergedLoss: z.number().positive().default(DEFAULT_ES_CONFIG.divergedLoss),
});

/** Config schema of the l2o experiment. */
export const L2O_SCHEMA: ConfigSchema<L2oConfig> = z.object({
  backend: z.enum(["auto", "gpu", "cpu"]).default("auto"),
  family: z.object({
    inputs: z.number().int().min(2).max(256).default(16),
    ways: z.number().int().min(2).max(64).default(5),
    shots: z.number().int().min(1).max(10_000).default(20),
    queryPerClass: z.number().int().min(1).max(10_000).default(10),
    difficulty: z.number().min(0).max(1).default(0.5),
    familySeed: z.number().int().min(0).default(1),
  }).default({}),
  model: z.object({
    hidden: z.array(z.number().int().min(1).max(256)).min(1).max(3).default([32]),
    activation: z.enum(["relu", "tanh"]).default("relu"),
    batchSize: z.number().int().min(1).max(1024).default(16),
  }).default({}),
  es: ES_SCHEMA.default({}),
  reinforceMetaLr: z.number().positive().max(10).default(0.025),
  learnedOptimizer: z.string().min(1).optional(),
  learnedReinforce: z.string().min(1).optional(),
  learnedPerParam: z.string().min(1).optional(),
  steps: z.number().int().min(1).max(100_000).default(100),
  every: z.number().int().min(1).max(10_000).default(5),
  lrGrid: z.array(z.number().positive().max(100)).min(1).default([0.02, 0.05, 0.1, 0.2, 0.5, 1]),
  adamGrid: z.array(z.number().positive().max(100)).min(1).default([
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
  ]),
  tuneTasks: z.number().int().min(1).max(1024).default(8),
  shifts: z.array(z.number().min(0).max(100)).default([0.5, 1, 2]),
  seeds: z.number().int().min(1).max(1000).default(5),
  tasks: z.number().int().min(1).max(1024).default(8),
  metaSeeds: z.number().int().min(1).max(20).default(5),
  threshold: z.number().positive().default(0.5),
  fashion: z.object({
    enabled: z.boolean().default(true),
    ways: z.number().int().min(2).max(10).default(5),
    shots: z.number().int().min(1).max(1000).default(20),
    queryPerClass: z.number().int().min(1).max(1000).default(10),
    downsample: z.number().int().min(1).max(8).default(4),
  }).default({}),
}).refine((c) => c.lrGrid.length === c.adamGrid.length, {
  message: "adamGrid must have as many entries as lrGrid (same tuning budget)",
  path: ["adamGrid"],
});
