/** Seeded random parity cases shared by the learner tests. */
import { Rng } from "../../../core/rng.ts";
import type { Backend, Population, UploadOptions } from "../../../learners/backend.ts";
import type { Dataset } from "../../../learners/dataset.ts";
import type { Knobs, OptimizerKind } from "../../../learners/optimizers/knobs.ts";
import type { PopulationSpec } from "../../../learners/mlp/mlp_layout.ts";

/** A parity case: a spec, a data set and per-model knobs. */
export interface Case {
  name: string;
  spec: PopulationSpec;
  rows: number;
  optimizers: OptimizerKind[];
}

/**
 * The cases: P=1 and P=37, widths off the workgroup size, 1 to 3 hidden layers, both heads, scalar
 * and vec4 tiles (learners/mlp/mlp_tiles.ts).
 */
export const CASES: Case[] = [
  {
    name: "P=1 3-5-2 relu ce",
    spec: { size: 1, widths: [3, 5, 2], batchSize: 4 },
    rows: 20,
    optimizers: ["sgd"],
  },
  {
    name: "P=37 13-67-7 tanh ce",
    spec: { size: 37, widths: [13, 67, 7], activation: "tanh", batchSize: 9 },
    rows: 101,
    optimizers: ["sgd", "momentum", "adam"],
  },
  {
    name: "P=5 10-33-17-65-3 relu mse",
    spec: { size: 5, widths: [10, 33, 17, 65, 3], loss: "mse", batchSize: 5 },
    rows: 50,
    optimizers: ["adam", "momentum", "sgd"],
  },
  {
    name: "P=6 32-64-5 relu ce batch 32",
    spec: { size: 6, widths: [32, 64, 5], batchSize: 32 },
    rows: 200,
    optimizers: ["momentum", "adam"],
  },
  {
    // Widths but the last and the batch are multiples of 4: vec4 tiles, with groups of 4 clamped
    // past the batch and the widths, and partial tiles around the bias column.
    name: "P=37 12-20-8-3 tanh mse batch 12 (vec4)",
    spec: { size: 37, widths: [12, 20, 8, 3], activation: "tanh", loss: "mse", batchSize: 12 },
    rows: 60,
    optimizers: ["sgd", "momentum"],
  },
  {
    name: "P=3 20-256-100-4 tanh mse",
    spec: { size: 3, widths: [20, 256, 100, 4], activation: "tanh", loss: "mse", batchSize: 3 },
    rows: 30,
    optimizers: ["sgd", "adam"],
  },
];

/** A seeded random data set for a case. */
export function caseData(c: Case, seed: number): Dataset {
  const rng = new Rng(seed, 1);
  const inputs = c.spec.widths[0]!;
  const outputs = c.spec.widths.at(-1)!;
  const mse = c.spec.loss === "mse";
  const x = new Float32Array(c.rows * inputs);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const tw = mse ? outputs : 1;
  const y = new Float32Array(c.rows * tw);
  for (let i = 0; i < y.length; i++) y[i] = mse ? rng.normal() : rng.int(outputs);
  return { count: c.rows, inputs, targetWidth: tw, classes: mse ? 0 : outputs, x, y };
}

/** All-different knobs per model (learning rates, optimizers, decay, clipping). */
export function caseKnobs(c: Case, seed: number): Knobs[] {
  const rng = new Rng(seed, 2);
  return Array.from({ length: c.spec.size }, (_, p) => {
    const optimizer = c.optimizers[p % c.optimizers.length]!;
    return {
      optimizer,
      lr: optimizer === "adam" ? rng.range(1e-3, 1e-2) : rng.range(0.01, 0.2),
      momentum: rng.range(0.5, 0.95),
      beta1: rng.range(0.8, 0.95),
      beta2: rng.range(0.9, 0.999),
      eps: 1e-6,
      weightDecay: p % 2 === 0 ? rng.range(0, 0.01) : 0,
      clipNorm: p % 3 === 0 ? rng.range(0.1, 1) : 0,
    };
  });
}

/** Random batch indices (P, numBatches, B) into the case's rows. */
export function caseBatches(c: Case, seed: number, numBatches: number): Uint32Array<ArrayBuffer> {
  const rng = new Rng(seed, 3);
  const n = c.spec.size * numBatches * (c.spec.batchSize ?? 32);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(c.rows);
  return out;
}

/** Builds a population on a backend with the case's data, knobs and batches. */
export function setupCase(
  backend: Backend,
  c: Case,
  seed: number,
  numBatches = 1,
  upload?: UploadOptions,
) {
  const data = backend.uploadDataset(caseData(c, seed), upload);
  const pop: Population = backend.createPopulation(c.spec);
  pop.init(seed);
  pop.setKnobs(caseKnobs(c, seed));
  pop.setBatches(caseBatches(c, seed, numBatches), numBatches);
  return { data, pop };
}
