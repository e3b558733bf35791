/**
 * The factored meta loop against lavapipe's loop limit: the loop counts of lowrank_budget.ts at the
 * glyph shapes, GpuBackend's "auto" choice (per-model over the budget on a software adapter, and
 * matching the per-model CPU loop there), GpuLowrankLoop refusing a shape over the budget, and which
 * loop each backend option picks.
 */
import assert from "node:assert/strict";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import {
  createGpuLowrankLoop,
  GpuLowrankLoop,
} from "../../../learners/meta_train/gpu_lowrank_loop.ts";
import {
  lowrankFits,
  lowrankInnerIterations,
  lowrankOuterIterations,
} from "../../../learners/meta_train/lowrank_budget.ts";
import type { MetaLoopSpec } from "../../../learners/meta_train/mod.ts";
import { LOOP_BUDGET } from "../../../learners/mlp/loop_budget.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import type { EpisodeBatch } from "../../../learners/tasks/task_family.ts";
import { gpuTest } from "../../helpers.ts";
import { family } from "./_family.ts";
import { compareReads, perModelLoop, runLoop } from "./_lowrank_loops.ts";

/**
 * 5-way 5-shot episodes of 20-input rows: 25 support samples, the inner batch 25. With 20-8-8-5 and
 * 5 inner steps lowrank_inner runs 79,800 (Reptile) loop iterations per task (lowrank_budget.ts), past the
 * 65,535 at which lavapipe silently stops an invocation's loops.
 */
const OVER_BUDGET: MetaLoopSpec = {
  method: "reptile",
  widths: [20, 8, 8, 5],
  batchSize: 25,
  metaBatch: 4,
  innerSteps: 5,
  innerLr: 0.3,
  metaLr: 0.5,
};

function fiveShot(): EpisodeBatch {
  return family(20, 5, { ways: 5, shots: 5, queryPerClass: 3 }).sampleEpisodes(4, 20);
}

Deno.test("lowrankInnerIterations: over the budget at glyph 5-way 5-shot, within at 5-way 1-shot", () => {
  const at = (widths: number[], S: number, B: number) =>
    lowrankInnerIterations(mlpLayout({ size: 1, widths, batchSize: B }), {
      tasks: 1,
      support: S,
      batch: B,
      query: true,
      steps: 5,
      lr: 0.1,
    });
  assert.equal(at([196, 64, 64, 5], 25, 25), 444_931);
  assert.equal(at([196, 64, 64, 20], 20, 20), 336_263);
  assert.equal(at([196, 64, 64, 5], 5, 5), 40_253);
  assert.ok(
    at([196, 64, 64, 5], 25, 25) > LOOP_BUDGET && at([196, 64, 64, 5], 5, 5) <= LOOP_BUDGET,
  );
});

Deno.test("lowrankOuterIterations: a meta-batch of 1,024 with 60 query rows is over the budget", () => {
  const L = mlpLayout({ size: 1, widths: [20, 8, 8, 5], batchSize: 60 });
  const s = { tasks: 1024, support: 5, batch: 60, query: true, steps: 5, lr: 0.1 };
  assert.equal(lowrankOuterIterations(L, s), 64_539);
  assert.ok(lowrankInnerIterations(L, s) <= LOOP_BUDGET && !lowrankFits(L, s));
  assert.ok(lowrankFits(L, { ...s, batch: 40 }));
});

for (const method of ["fomaml", "reptile"] as const) {
  gpuTest(
    `GpuBackend's "auto" meta loop matches CpuMetaLoop where lowrank_inner exceeds a software adapter's loop budget, ${method}`,
    async (ctx) => {
      const spec = { ...OVER_BUDGET, method, metaLr: method === "reptile" ? 0.5 : 0.02 };
      const stride = mlpLayout({ size: 1, ...spec }).stride;
      const batch = fiveShot();
      const want = await runLoop(perModelLoop(spec), batch, stride);
      const gpu = await GpuBackend.create(ctx, { metaLoop: "auto" });
      const loop = await gpu.createMetaLoop(spec);
      assert.equal(loop instanceof GpuLowrankLoop, !ctx.software, "factored only on hardware");
      const data = gpu.uploadDataset(batch.dataset);
      compareReads(await runLoop(loop, batch, stride, data), want);
      loop.destroy();
      data.destroy();
    },
  );
}

gpuTest("GpuLowrankLoop refuses a shape over a software adapter's loop budget", async (ctx) => {
  const batch = fiveShot();
  const loop = await createGpuLowrankLoop(ctx, OVER_BUDGET);
  const data = (await GpuBackend.create(ctx)).uploadDataset(batch.dataset);
  const ids = new Uint32Array(OVER_BUDGET.metaBatch);
  if (ctx.software) {
    assert.throws(() => loop.run(batch, data, ids), /loop iterations per invocation.*65,535/);
  } else loop.run(batch, data, ids);
  loop.destroy();
  data.destroy();
});

gpuTest(
  'GpuBackend\'s meta loop: per-model by default; "auto" factored only for inputs a multiple of 4 and a batch over 8',
  async (ctx) => {
    const gpu = await GpuBackend.create(ctx, { metaLoop: "auto" });
    const base: MetaLoopSpec = {
      method: "fomaml",
      widths: [12, 12, 8, 3],
      batchSize: 12,
      metaBatch: 4,
      innerSteps: 3,
      innerLr: 0.3,
      metaLr: 0.02,
    };
    const cases: [Partial<MetaLoopSpec>, boolean][] = [
      [{}, true],
      [{ method: "reptile" }, true],
      [{ batchSize: 8 }, false],
      [{ widths: [6, 12, 8, 3] }, false],
      [{ widths: [12, 10, 8, 3] }, false],
      [{ method: "maml" }, false],
      [{ lowrank: false }, false],
    ];
    for (const [change, factored] of cases) {
      const loop = await gpu.createMetaLoop({ ...base, ...change });
      assert.equal(loop instanceof GpuLowrankLoop, factored, JSON.stringify(change));
      loop.destroy();
    }
    const plain = await (await GpuBackend.create(ctx)).createMetaLoop(base);
    assert.ok(!(plain instanceof GpuLowrankLoop), "the default backend keeps the per-model loop");
    plain.destroy();
    const asked = await (await GpuBackend.create(ctx)).createMetaLoop({ ...base, lowrank: true });
    assert.ok(asked instanceof GpuLowrankLoop, "spec.lowrank asks for it on any backend");
    asked.destroy();
  },
);
