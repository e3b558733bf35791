/**
 * The two-hidden-layer fused train step (learners/mlp/mlp_fused2.ts) against the CPU twin and
 * against the tiled kernel: seeded cases with population sizes off the 8 models of a workgroup,
 * batches that are not multiples of 4, both heads, both nonlinearities, every optimizer, clipping,
 * decay, label smoothing and gradient transforms.
 */
import assert from "node:assert/strict";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import {
  chooseGrouping,
  SOFTWARE_GROUPINGS,
  softwareTilePlan,
} from "../../../learners/mlp/loop_budget.ts";
import { withFusedStep } from "../../../learners/mlp/mlp_fused.ts";
import { mlpLayout, type PopulationSpec } from "../../../learners/mlp/mlp_layout.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import {
  type Case,
  CASES,
  checkFusedStep,
  setupCase,
  smoothingKnobs,
  TOL,
  trainTwins,
} from "./_cases.ts";

/** Two-hidden-layer cases whose inputs and hidden widths are multiples of 4: they run fused2. */
const FUSED2_CASES: Case[] = [
  {
    name: "P=13 16-12-8-5 relu ce batch 5",
    spec: { size: 13, widths: [16, 12, 8, 5], batchSize: 5 },
    rows: 40,
    optimizers: ["sgd", "momentum", "adam"],
  },
  {
    name: "P=6 20-16-24-4 relu ce batch 7",
    spec: { size: 6, widths: [20, 16, 24, 4], batchSize: 7 },
    rows: 30,
    optimizers: ["adam", "sgd"],
  },
  CASES[4]!,
  {
    // Chunks of 16 units: 2 of the first hidden layer, 3 of the second.
    name: "P=11 8-32-48-3 relu ce batch 6",
    spec: { size: 11, widths: [8, 32, 48, 3], batchSize: 6 },
    rows: 30,
    optimizers: ["sgd", "adam", "momentum"],
  },
  {
    // Chunks of 8 units: 3 of the first hidden layer, 2 of the second.
    name: "P=9 16-24-16-2 tanh mse batch 3",
    spec: { size: 9, widths: [16, 24, 16, 2], activation: "tanh", loss: "mse", batchSize: 3 },
    rows: 20,
    optimizers: ["adam", "sgd"],
  },
];

/** The plan the software adapter's default gives a spec. */
function planOf(spec: PopulationSpec) {
  const L = mlpLayout(spec);
  const g = chooseGrouping(L, SOFTWARE_GROUPINGS);
  return withFusedStep(softwareTilePlan(L, g), L, g);
}

Deno.test("fused2 applies to two hidden layers of multiples of 4 within the register limits only", () => {
  assert.deepEqual(planOf({ size: 32, widths: [196, 64, 64, 5], batchSize: 5 }).fused2, {
    inputs: 196,
    hidden1: 64,
    hidden2: 64,
    outputs: 5,
    batch: 5,
    chunk: 16,
    activation: "relu",
    loss: "cross_entropy",
  });
  for (const c of FUSED2_CASES) assert.ok(planOf(c.spec).fused2, c.name);
  // Too many accumulators (25 x 16, 32 x 16); widths off 4.
  assert.equal(planOf({ size: 8, widths: [196, 64, 64, 5], batchSize: 25 }).fused2, undefined);
  assert.equal(planOf({ size: 8, widths: [32, 128, 128, 5], batchSize: 32 }).fused2, undefined);
  assert.equal(planOf({ size: 8, widths: [12, 20, 9, 3], batchSize: 4 }).fused2, undefined);
  assert.equal(planOf({ size: 8, widths: [16, 16, 3], batchSize: 4 }).fused2, undefined);
  const L = mlpLayout({ size: 8, widths: [16, 12, 8, 5], batchSize: 5 });
  const g = { modelsPerGroup: 4, roles: 4 };
  assert.equal(withFusedStep(softwareTilePlan(L, g), L, g).fused2, undefined);
  const g1 = SOFTWARE_GROUPINGS[0]!;
  assert.equal(withFusedStep(softwareTilePlan(L, g1), L, g1, "tiles").fused2, undefined);
  // "fused1" (the default before fused2) keeps two-hidden-layer shapes on the tiles.
  assert.equal(withFusedStep(softwareTilePlan(L, g1), L, g1, "fused1").fused2, undefined);
  assert.ok(withFusedStep(softwareTilePlan(L, g1), L, g1).fused2);
});

for (const c of FUSED2_CASES) {
  gpuTest(
    `fused2 train_step matches trainStepCpu() and the tiled kernel when ${c.name}`,
    async (ctx) => {
      if (ctx.software) assert.ok(planOf(c.spec).fused2, "the case runs fused2 on this adapter");
      // The sums over the batch and the units run in the tiles' order, the products' in quads.
      await checkFusedStep(ctx, c, { atol: 1e-5, rtol: 1e-4 });
    },
  );
}

gpuTest(
  "fused2 train_step matches trainStepCpu() with label smoothing, clipping and gradient transforms",
  async (ctx) => {
    const c = FUSED2_CASES[0]!;
    const a = setupCase(new CpuBackend(), c, 31, 2);
    const b = setupCase(await GpuBackend.create(ctx), c, 31, 2);
    const knobs = smoothingKnobs(
      c.spec.size,
      (p) => (p % 4 === 1 ? "normalize" : p % 4 === 3 ? "sign" : "none"),
    );
    a.pop.setKnobs(knobs);
    b.pop.setKnobs(knobs);
    const ga = await a.pop.gradients(a.data);
    const gb = await b.pop.gradients(b.data);
    assertClose(gb.loss, ga.loss, { ...TOL, what: "smoothed loss" });
    assertClose(gb.grads, ga.grads, { ...TOL, what: "smoothed gradients" });
    await trainTwins(a, b, 5);
    b.pop.destroy();
  },
);
