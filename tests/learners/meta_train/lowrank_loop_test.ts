/**
 * The factored meta loop (learners/meta_train/lowrank_loop.ts) on the CPU against the per-model CPU
 * loop (CpuMetaLoop, the specification), and the GPU factored loop against the same: theta, Adam
 * moments and every log row over 4 FOMAML and Reptile iterations, for one and two hidden layers,
 * cross-entropy with label maps and MSE, inner batches equal to, a multiple of, not a multiple of,
 * and smaller than the support set, and one case with vec4 first-layer products and more than 8
 * support rows (the shapes the GPU backend picks the factored loop for), one with headReset. And the
 * factored inner loop against the per-model train steps directly, with a check that a dropped Gram
 * term is caught. The loop budget and which loop a backend picks: lowrank_budget_test.ts.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { CpuBackend, CpuDataset, CpuPopulation } from "../../../learners/cpu_backend.ts";
import { CpuLowrankLoop, lowrankShape } from "../../../learners/meta_train/cpu_lowrank_loop.ts";
import { lowrankInnerCpu, lowrankProjectCpu } from "../../../learners/meta_train/lowrank_cpu.ts";
import { tailCount, tailStart, tailStride } from "../../../learners/meta_train/lowrank_shape.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { GpuLowrankLoop } from "../../../learners/meta_train/gpu_lowrank_loop.ts";
import {
  gatherEpisodesCpu,
  type MetaLoopReadout,
  type MetaLoopSpec,
} from "../../../learners/meta_train/mod.ts";
import { trainStepCpu } from "../../../learners/mlp/mlp_cpu.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { METRIC_STRIDE } from "../../../learners/metrics_row.ts";
import { Sinusoid } from "../../../learners/tasks/sinusoid.ts";
import type { EpisodeBatch } from "../../../learners/tasks/task_family.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { blowUpBatch, family } from "./_family.ts";
import { compareReads, perModelLoop, runLoop } from "./_lowrank_loops.ts";

interface Case {
  name: string;
  batch: () => EpisodeBatch;
  spec: Omit<MetaLoopSpec, "method" | "metaLr">;
}

const CASES: Case[] = [
  {
    name: "6-12-8-3 relu CE, batch 6 (twice the support set)",
    batch: () => family(6, 1).sampleEpisodes(4, 20),
    spec: { widths: [6, 12, 8, 3], batchSize: 6, metaBatch: 5, innerSteps: 3, innerLr: 0.3 },
  },
  {
    name: "6-12-3 tanh CE, batch 4 (not a multiple of the support set)",
    batch: () => family(6, 2).sampleEpisodes(4, 20),
    spec: {
      widths: [6, 12, 3],
      activation: "tanh",
      batchSize: 4,
      metaBatch: 3,
      innerSteps: 2,
      innerLr: 0.5,
    },
  },
  {
    name: "6-4-8-3 relu CE, batch 2 (smaller than the support set)",
    batch: () => family(6, 3).sampleEpisodes(4, 20),
    spec: { widths: [6, 4, 8, 3], batchSize: 2, metaBatch: 4, innerSteps: 2, innerLr: 0.4 },
  },
  {
    // Inputs a multiple of 4 (the vec4 first-layer products), more than 8 support and query rows.
    name: "12-12-8-3 relu CE, 12 support samples, batch 18",
    batch: () => family(12, 6, { shots: 4 }).sampleEpisodes(4, 20),
    spec: { widths: [12, 12, 8, 3], batchSize: 18, metaBatch: 4, innerSteps: 3, innerLr: 0.3 },
  },
  {
    // headReset (Kao et al. 2022): theta's output layer zeroed after every update in both loops.
    name: "12-12-8-3 relu CE with headReset, 12 support samples, batch 12",
    batch: () => family(12, 6, { shots: 4 }).sampleEpisodes(4, 20),
    spec: {
      widths: [12, 12, 8, 3],
      batchSize: 12,
      metaBatch: 4,
      innerSteps: 2,
      innerLr: 0.3,
      headReset: true,
    },
  },
  {
    name: "1-12-8-1 tanh MSE sinusoid, batch 5 (the support set)",
    batch: () => new Sinusoid({ shots: 5, querySize: 7 }).sampleEpisodes(4, 20),
    spec: {
      widths: [1, 12, 8, 1],
      activation: "tanh",
      loss: "mse",
      batchSize: 5,
      metaBatch: 6,
      innerSteps: 3,
      innerLr: 0.05,
    },
  },
];

for (const c of CASES) {
  for (const method of ["fomaml", "reptile"] as const) {
    Deno.test(`CpuLowrankLoop matches CpuMetaLoop over 4 ${method} iterations, ${c.name}`, async () => {
      const spec = { ...c.spec, method, metaLr: method === "reptile" ? 0.5 : 0.02 };
      const stride = mlpLayout({ size: 1, ...spec }).stride;
      const batch = c.batch();
      const want = await runLoop(perModelLoop(spec), batch, stride);
      const auto = await new CpuBackend().createMetaLoop({ ...spec, lowrank: true });
      assert.ok(auto instanceof CpuLowrankLoop, "CpuBackend runs the factored loop when asked");
      compareReads(await runLoop(auto, batch, stride), want);
    });
    gpuTest(
      `GpuLowrankLoop matches CpuMetaLoop over 4 ${method} iterations, ${c.name}`,
      async (ctx) => {
        const spec = { ...c.spec, method, metaLr: method === "reptile" ? 0.5 : 0.02 };
        const stride = mlpLayout({ size: 1, ...spec }).stride;
        const batch = c.batch();
        const want = await runLoop(perModelLoop(spec), batch, stride);
        const gpu = await GpuBackend.create(ctx);
        const loop = await gpu.createMetaLoop({ ...spec, lowrank: true });
        assert.ok(loop instanceof GpuLowrankLoop, "GpuBackend runs the factored loop when asked");
        const data = gpu.uploadDataset(batch.dataset);
        compareReads(await runLoop(loop, batch, stride, data), want);
        loop.destroy();
        data.destroy();
      },
    );
  }
}

/** The inner loop's adapted rows by both paths: per-model train steps, and W1 - A X^T + tails. */
function adaptedBothWays(dropGram: boolean): { want: Float32Array; got: Float32Array } {
  const batch = family(6, 4).sampleEpisodes(4, 20);
  const data = new CpuDataset(batch.dataset);
  const spec = {
    method: "reptile" as const,
    widths: [6, 9, 7, 3],
    batchSize: 3,
    metaBatch: 4,
    innerSteps: 4,
    innerLr: 0.5,
    metaLr: 1,
  };
  const L = mlpLayout({ size: 1, ...spec });
  const rng = new Rng(3);
  const theta = Float32Array.from(
    { length: L.stride },
    (_, i) => i < L.paramCount ? 0.6 * rng.normal() : 0,
  );
  const ids = Uint32Array.from([0, 5, 9, 13]);
  const pop = new CpuPopulation({ size: 4, widths: spec.widths, batchSize: 3 });
  const g = gatherEpisodesCpu(batch, ids, 0, {
    models: 4,
    batchSize: 3,
    slots: 4,
    querySlot: false,
  });
  pop.setBatches(g.batches, 4);
  pop.setLabelMap(g.labelMap, batch.labelMapWidth);
  pop.setKnobs({ lr: spec.innerLr, optimizer: "sgd" });
  for (let p = 0; p < 4; p++) pop.state.params.set(theta, p * L.stride);
  for (let k = 0; k < spec.innerSteps; k++) trainStepCpu(pop.layout, pop.state, data);
  const rows = { episodes: batch, ids, idsOffset: 0 };
  const s = lowrankShape(spec, batch.supportSize);
  const proj = lowrankProjectCpu(L, { theta, x: data.x }, rows, s);
  const H = 9;
  const S = batch.supportSize;
  if (dropGram) {
    for (let r = 0; r < proj.length; r++) if (r % (H + S) >= H) proj[r] = 0;
  }
  const out = {
    A: new Float32Array(4 * H * S),
    tails: new Float32Array(4 * tailStride(L)),
    d1q: new Float32Array(0),
    metrics: new Float32Array(4 * METRIC_STRIDE),
  };
  lowrankInnerCpu(L, { theta, proj, data, rows }, s, out);
  const got = new Float32Array(4 * L.stride);
  for (let t = 0; t < 4; t++) {
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < 6; i++) {
        let z = theta[j * 6 + i]!;
        for (let r = 0; r < S; r++) {
          z -= out.A[(t * H + j) * S + r]! * data.x[batch.support[ids[t]! * S + r]! * 6 + i]!;
        }
        got[t * L.stride + j * 6 + i] = z;
      }
    }
    got.set(
      out.tails.subarray(t * tailStride(L), t * tailStride(L) + tailCount(L)),
      t * L.stride + tailStart(L),
    );
  }
  return { want: pop.state.params, got };
}

Deno.test("lowrankInnerCpu's W1 - A X^T and tails equal the per-model train steps' adapted rows", () => {
  const { want, got } = adaptedBothWays(false);
  assertClose(got, want, { atol: 1e-5, rtol: 1e-4, what: "adapted rows" });
});

Deno.test("lowrankInnerCpu without its Gram term fails the comparison (the check can fail)", () => {
  const { want, got } = adaptedBothWays(true);
  assert.throws(() => assertClose(got, want, { atol: 1e-5, rtol: 1e-4, what: "adapted rows" }));
});

for (const method of ["fomaml", "reptile"] as const) {
  const spec: MetaLoopSpec = {
    method,
    widths: [8, 12, 8, 3],
    // tanh passes NaN on (a relu max(z, 0) may drop it in WGSL, unlike the twin's Math.max).
    activation: "tanh",
    batchSize: 3,
    metaBatch: 6,
    innerSteps: 3,
    innerLr: 0.5,
    metaLr: method === "reptile" ? 0.5 : 0.02,
  };
  const stride = mlpLayout({ size: 1, ...spec }).stride;
  /** Some iteration of `reads` left tasks out (quarantined). */
  const someQuarantined = (reads: MetaLoopReadout[]) =>
    reads.some((r) =>
      Array.from({ length: r.log.length / 4 }, (_, i) => r.log[4 * i + 2]!).some((h) => h < 6)
    );
  Deno.test(`CpuLowrankLoop matches CpuMetaLoop when ${method} tasks are quarantined`, async () => {
    const batch = blowUpBatch(8);
    const want = await runLoop(perModelLoop(spec), batch, stride);
    assert.ok(someQuarantined(want), "the case quarantines tasks");
    compareReads(await runLoop(new CpuLowrankLoop(spec), batch, stride), want);
  });
  gpuTest(
    `GpuLowrankLoop matches CpuMetaLoop when ${method} tasks are quarantined`,
    async (ctx) => {
      const batch = blowUpBatch(8);
      const want = await runLoop(perModelLoop(spec), batch, stride);
      const gpu = await GpuBackend.create(ctx);
      const loop = await gpu.createMetaLoop({ ...spec, lowrank: true });
      const data = gpu.uploadDataset(batch.dataset);
      compareReads(await runLoop(loop, batch, stride, data), want);
      loop.destroy();
      data.destroy();
    },
  );
}
