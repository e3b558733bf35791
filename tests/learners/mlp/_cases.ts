/** Seeded random parity cases shared by the learner tests. */
import { Rng } from "../../../core/rng.ts";
import type { Backend, Population, UploadOptions } from "../../../learners/backend.ts";
import type { Dataset } from "../../../learners/dataset.ts";
import {
  type GradTransform,
  type Knobs,
  LEARNED,
  LEARNED_STRIDE,
  type OptimizerKind,
} from "../../../learners/optimizers/knobs.ts";
import type { PopulationSpec } from "../../../learners/mlp/mlp_layout.ts";
import { groupingKey, type MlpGrouping } from "../../../learners/mlp/mlp_uniform.ts";
import type { GpuContext } from "../../../core/gpu_context.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { assertClose } from "../../helpers.ts";
import assert from "node:assert/strict";

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

/**
 * Knobs cycling sgd, momentum and adam with label smoothing 0, 0.1, 0.3, weight decay on odd models,
 * clipping every fifth and model p's gradient transform `transform(p)`.
 */
export function smoothingKnobs(size: number, transform: (p: number) => GradTransform): Knobs[] {
  const optimizers = ["sgd", "momentum", "adam"] as const;
  return Array.from({ length: size }, (_, p) => ({
    optimizer: optimizers[p % 3]!,
    lr: optimizers[p % 3] === "adam" ? 0.003 : 0.03,
    gradTransform: transform(p),
    labelSmoothing: [0, 0.1, 0.3][p % 3]!,
    weightDecay: p % 2 ? 0.001 : 0,
    clipNorm: p % 5 === 0 ? 0.2 : 0,
  }));
}

/** Mixed tolerance of the kernel-vs-twin comparisons of one step. */
export const TOL = { atol: 2e-5, rtol: 2e-4 };

/**
 * Workgroup layouts the MLP kernels are compiled for: the adapter's default, a GPU-style one
 * (one model per workgroup of 64 invocations, with barriers) and a mixed one.
 */
export const GROUPINGS: (MlpGrouping | undefined)[] = [
  undefined,
  { modelsPerGroup: 1, roles: 64 },
  { modelsPerGroup: 4, roles: 4 },
];

/** A grouping as a test name shows it. */
export function groupingName(g: MlpGrouping | undefined): string {
  return g ? groupingKey(g) : "default";
}

/** The CPU twin and a GPU backend with a grouping (default: the adapter's). */
export async function backends(
  ctx: GpuContext,
  grouping?: MlpGrouping,
): Promise<{ cpu: CpuBackend; gpu: GpuBackend }> {
  return { cpu: new CpuBackend(), gpu: await GpuBackend.create(ctx, { grouping }) };
}

/** The case set up with the same seed on the CPU twin (`a`) and on a new GPU backend (`b`). */
export async function setupTwins(
  ctx: GpuContext,
  c: Case,
  seed: number,
  numBatches = 1,
  options: { grouping?: MlpGrouping; upload?: UploadOptions } = {},
): Promise<{ a: ReturnType<typeof setupCase>; b: ReturnType<typeof setupCase> }> {
  const { cpu, gpu } = await backends(ctx, options.grouping);
  return {
    a: setupCase(cpu, c, seed, numBatches, options.upload),
    b: setupCase(gpu, c, seed, numBatches, options.upload),
  };
}

/** Trains both twins `steps` steps; asserts their parameters agree (atol 1e-4, rtol 1e-3). */
export async function trainTwins(
  a: ReturnType<typeof setupCase>,
  b: ReturnType<typeof setupCase>,
  steps: number,
): Promise<void> {
  a.pop.train(a.data, steps);
  b.pop.train(b.data, steps);
  const what = "params";
  assertClose(await b.pop.readParams(), await a.pop.readParams(), { atol: 1e-4, rtol: 1e-3, what });
}

/** All-different meta-network rows per model (weights, normalization), seeded. */
export function randomLearned(size: number, seed: number): Float32Array<ArrayBuffer> {
  const rng = new Rng(seed, 7);
  const w = new Float32Array(size * LEARNED_STRIDE);
  for (let p = 0; p < size; p++) {
    const b = p * LEARNED_STRIDE;
    for (let k = LEARNED.w1; k < LEARNED.b2 + 1; k++) w[b + k] = 0.3 * rng.normal();
    for (let i = 0; i < 5; i++) {
      w[b + LEARNED.mean + i] = rng.range(-1, 1);
      w[b + LEARNED.scale + i] = rng.range(0.2, 1);
    }
    // Per-parameter network: small outputs so that training stays stable.
    for (let k = LEARNED.ppW1; k < LEARNED.ppW2; k++) w[b + k] = 0.5 * rng.normal();
    for (let k = LEARNED.ppW2; k <= LEARNED.ppB2; k++) w[b + k] = 0.01 * rng.normal();
    for (let i = 0; i < 3; i++) w[b + LEARNED.ppScale + i] = rng.range(1, 20);
  }
  return w;
}

/** A tiny data set whose inputs f16 rounds visibly (and 65504, the largest finite f16). */
export const F16_DATA: Dataset = {
  count: 2,
  inputs: 3,
  targetWidth: 1,
  classes: 2,
  x: new Float32Array([0.1, 1 / 3, 1000.3, -2.5, 65504, 1e-6]),
  y: new Float32Array([0, 1]),
};

/**
 * A fused train step (the default kernel of `ctx`) against the twin and the tiled kernel on case
 * `c`: gradients, loss and norm of one gradient pass, then 7 steps (parameters, moments, metrics,
 * steps); the fused and tiled parameters must agree within `tiles` (they sum in similar orders).
 */
export async function checkFusedStep(
  ctx: GpuContext,
  c: Case,
  tiles: { atol: number; rtol: number },
): Promise<void> {
  const fused = await GpuBackend.create(ctx);
  const tiled = await GpuBackend.create(ctx, { trainKernel: "tiles" });
  const [a, b, t] = [new CpuBackend(), fused, tiled].map((k) => setupCase(k, c, 23, 3));
  const ga = await a!.pop.gradients(a!.data);
  const gb = await b!.pop.gradients(b!.data);
  assertClose(gb.grads, ga.grads, { ...TOL, what: "grads" });
  assertClose(gb.loss, ga.loss, { ...TOL, what: "loss" });
  assertClose(gb.gradNorm, ga.gradNorm, { ...TOL, what: "gradNorm" });
  for (const x of [a, b, t]) x!.pop.train(x!.data, 7);
  const [sa, sb, st] = await Promise.all([a, b, t].map((x) => x!.pop.readState()));
  const close = { atol: 1e-4, rtol: 1e-3 };
  assertClose(sb!.params, sa!.params, { ...close, what: "params" });
  assertClose(sb!.opt, sa!.opt, { ...close, what: "optimizer moments" });
  assertClose(sb!.metrics, sa!.metrics, { ...close, what: "metrics" });
  assert.deepEqual(sb!.steps, sa!.steps);
  assertClose(sb!.params, st!.params, { ...tiles, what: "fused vs tiles params" });
  for (const x of [b, t]) x!.pop.destroy();
}
