/**
 * The fused train step (learners/mlp/mlp_fused.ts) against the CPU twin and against the tiled
 * kernel: seeded cases with population sizes off the 8 models of a workgroup, both heads, both
 * nonlinearities, every optimizer, clipping, decay, label smoothing and gradient transforms; and
 * the tiled kernel with smaller tiles (GpuBackendOptions.tileBudget), the other compile-time option.
 */
import assert from "node:assert/strict";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import {
  chooseGrouping,
  SOFTWARE_GROUPINGS,
  softwareTilePlan,
} from "../../../learners/mlp/loop_budget.ts";
import { fusedShape, withFusedStep } from "../../../learners/mlp/mlp_fused.ts";
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

/** One-hidden-layer cases with vec4 rows: the default software plan runs them fused. */
const FUSED_CASES: Case[] = [
  {
    name: "P=13 16-24-5 relu ce batch 8",
    spec: { size: 13, widths: [16, 24, 5], batchSize: 8 },
    rows: 40,
    optimizers: ["sgd", "momentum", "adam"],
  },
  {
    name: "P=37 12-20-3 tanh mse batch 12",
    spec: { size: 37, widths: [12, 20, 3], activation: "tanh", loss: "mse", batchSize: 12 },
    rows: 60,
    optimizers: ["sgd", "adam", "momentum"],
  },
  CASES[3]!,
];

/** The fused shape the software adapter's default plan gives a spec (null: tiles). */
function fusedOf(spec: PopulationSpec) {
  const L = mlpLayout(spec);
  const g = chooseGrouping(L, SOFTWARE_GROUPINGS);
  return fusedShape(L, softwareTilePlan(L, g), g);
}

Deno.test("fusedShape() applies to one hidden layer with vec4 rows and one invocation per model only", () => {
  assert.deepEqual(fusedOf({ size: 1024, widths: [32, 64, 5], batchSize: 32 }), {
    inputs: 32,
    hidden: 64,
    outputs: 5,
    batch: 32,
    activation: "relu",
    loss: "cross_entropy",
  });
  for (const c of FUSED_CASES) assert.ok(fusedOf(c.spec), c.name);
  assert.equal(fusedOf({ size: 8, widths: [32, 128, 128, 5], batchSize: 32 }), null);
  assert.equal(fusedOf({ size: 8, widths: [13, 67, 7], batchSize: 9 }), null);
  // Too many inputs per batch to keep in registers; too many outputs.
  assert.equal(fusedOf({ size: 8, widths: [64, 64, 5], batchSize: 32 }), null);
  assert.equal(fusedOf({ size: 8, widths: [4, 64, 64], batchSize: 4 }), null);
  assert.ok(fusedOf({ size: 8, widths: [64, 64, 16], batchSize: 16 }));
  const L = mlpLayout({ size: 8, widths: [32, 64, 5], batchSize: 32 });
  const g = { modelsPerGroup: 4, roles: 4 };
  assert.equal(withFusedStep(softwareTilePlan(L, g), L, g).fused, undefined);
  const g1 = SOFTWARE_GROUPINGS[0]!;
  assert.equal(withFusedStep(softwareTilePlan(L, g1), L, g1, "tiles").fused, undefined);
});

for (const c of FUSED_CASES) {
  gpuTest(
    `fused train_step matches trainStepCpu() and the tiled kernel when ${c.name}`,
    async (ctx) => {
      if (ctx.software) assert.ok(fusedOf(c.spec), "the case runs fused on this adapter");
      // The two kernels sum in the same order: they agree far closer than either with the twin.
      await checkFusedStep(ctx, c, { atol: 1e-6, rtol: 1e-5 });
    },
  );
}

gpuTest(
  "fused train_step matches trainStepCpu() with label smoothing, clipping and gradient transforms",
  async (ctx) => {
    const c = FUSED_CASES[0]!;
    const cpu = new CpuBackend();
    const gpu = await GpuBackend.create(ctx);
    const a = setupCase(cpu, c, 31, 2);
    const b = setupCase(gpu, c, 31, 2);
    const knobs = smoothingKnobs(c.spec.size, (p) => (p % 4 === 1 ? "normalize" : "none"));
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

gpuTest(
  "tiled train_step with a tile budget of 64 matches trainStepCpu() when P=37 12-20-8-3",
  async (ctx) => {
    const c = CASES[4]!;
    const cpu = new CpuBackend();
    const gpu = await GpuBackend.create(ctx, { tileBudget: 64, trainKernel: "tiles" });
    const a = setupCase(cpu, c, 29, 2);
    const b = setupCase(gpu, c, 29, 2);
    await trainTwins(a, b, 5);
    b.pop.destroy();
  },
);
