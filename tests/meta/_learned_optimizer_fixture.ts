/** Shared fixture of the learned-optimizer tests: one small task family and a tiny ES config. */
import { SyntheticClassification } from "../../learners/tasks/synthetic_classification.ts";
import { DEFAULT_ES_CONFIG, type EsConfig } from "../../meta/learned_optimizer_training.ts";

export const FAMILY = new SyntheticClassification({
  inputs: 8,
  ways: 3,
  shots: 10,
  queryPerClass: 5,
  familySeed: 3,
});

export const TINY: EsConfig = {
  ...DEFAULT_ES_CONFIG,
  pairs: 4,
  tasks: 2,
  generations: 20,
  minUnroll: 10,
  maxUnroll: 20,
  every: 5,
  lr: 0.02,
  sigma: 0.1,
  metaLr: 0.1,
  model: { hidden: [8], activation: "relu", batchSize: 8 },
};
