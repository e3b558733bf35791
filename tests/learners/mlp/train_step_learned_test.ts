import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import type { Knobs } from "../../../learners/optimizers/knobs.ts";
import type { Backend } from "../../../learners/backend.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import {
  type Case,
  caseBatches,
  caseData,
  CASES,
  groupingName,
  GROUPINGS,
  randomLearned,
  TOL,
} from "./_cases.ts";

function learnedKnobs(c: Case, seed: number): Knobs[] {
  const rng = new Rng(seed, 8);
  return Array.from({ length: c.spec.size }, (_, p) => ({
    optimizer: p % 4 === 3 ? "momentum" : p % 4 === 1 ? "learned-per-param" : "learned",
    lr: rng.range(0.005, 0.05),
    momentum: rng.range(0.5, 0.9),
    weightDecay: p % 2 === 0 ? rng.range(0, 0.01) : 0,
    clipNorm: p % 3 === 0 ? rng.range(0.1, 1) : 0,
    horizon: p % 5 === 0 ? 0 : rng.range(3, 20),
  } as Knobs));
}

function setup(backend: Backend, c: Case, seed: number) {
  const data = backend.uploadDataset(caseData(c, seed));
  const pop = backend.createPopulation(c.spec);
  pop.init(seed);
  pop.setKnobs(learnedKnobs(c, seed));
  pop.setLearnedWeights(randomLearned(c.spec.size, seed));
  pop.setBatches(caseBatches(c, seed, 3), 3);
  return { data, pop };
}

for (const g of GROUPINGS) {
  for (const c of CASES.slice(0, 4)) {
    gpuTest(
      `train_step kernel matches trainStepCpu() for optimizers learned, learned-per-param when ${c.name}, grouping ${
        groupingName(g)
      }`,
      async (ctx) => {
        const cpu = new CpuBackend();
        const gpu = await GpuBackend.create(ctx, { grouping: g });
        const a = setup(cpu, c, 41);
        const b = setup(gpu, c, 41);
        a.pop.train(a.data, 4);
        b.pop.train(b.data, 4);
        const sa = await a.pop.readState();
        const sb = await b.pop.readState();
        assertClose(sb.params, sa.params, { ...TOL, what: "params" });
        assertClose(sb.opt, sa.opt, { ...TOL, what: "opt" });
        assertClose(sb.metrics, sa.metrics, { ...TOL, what: "metrics (incl. previous loss)" });
        assert.deepEqual(sb.steps, sa.steps);
        // The previous-loss slot is kept for lr-scale learned models (kind 3) only.
        for (let p = 0; p < c.spec.size; p++) {
          assert.equal(sa.metrics[p * 4 + 3] !== 0, p % 2 === 0, `metrics[${p}][3]`);
        }
        b.pop.destroy();
      },
    );
  }
}

gpuTest(
  "train_step kernel keeps learned models finite on zero gradients and huge losses",
  async (ctx) => {
    const gpu = await GpuBackend.create(ctx);
    const cpu = new CpuBackend();
    const n = 8;
    // Model 0: zero inputs, zero targets, zero weights -> loss 0, gradient exactly 0.
    // Model 1: targets 1e14 -> loss about 1e28, a huge gradient.
    const x = new Float32Array(n * 3);
    const y = new Float32Array(n * 2);
    for (let i = 4; i < n; i++) {
      y[2 * i] = 1e14;
      y[2 * i + 1] = -1e14;
      x[3 * i] = 1;
    }
    const ds = { count: n, inputs: 3, targetWidth: 2, classes: 0, x, y };
    const spec = { size: 2, widths: [3, 4, 2], loss: "mse" as const, batchSize: 4 };
    const results = [];
    for (const be of [cpu, gpu] as Backend[]) {
      const data = be.uploadDataset(ds);
      const pop = be.createPopulation(spec);
      pop.init(3);
      pop.writeParams(new Float32Array(2 * pop.layout.stride));
      pop.setKnobs({ optimizer: "learned", lr: 1e-35, horizon: 10 });
      pop.setLearnedWeights(randomLearned(1, 9).map((v) => v * 50));
      pop.setBatches(new Uint32Array([0, 1, 2, 3, 4, 5, 6, 7]), 1);
      pop.train(data, 3);
      const st = await pop.readState();
      assert.ok(st.params.every(Number.isFinite), `${be.kind}: params finite`);
      assert.ok(st.metrics.every(Number.isFinite), `${be.kind}: metrics finite`);
      assert.equal(st.metrics[2], 0, `${be.kind}: zero-gradient model not quarantined`);
      assert.equal(st.metrics[6], 0, `${be.kind}: huge-loss model not quarantined`);
      assert.deepEqual([...st.steps], [3, 3]);
      results.push(st);
    }
    assertClose(results[1]!.params, results[0]!.params, { ...TOL, what: "params" });
    assertClose(results[1]!.metrics, results[0]!.metrics, { ...TOL, what: "metrics" });
  },
);
