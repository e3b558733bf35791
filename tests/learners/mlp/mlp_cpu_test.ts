import assert from "node:assert/strict";
import { CpuBackend, type CpuPopulation } from "../../../learners/cpu_backend.ts";
import { evaluateCpu } from "../../../learners/mlp/mlp_cpu.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { type Case, caseData, setupCase } from "./_cases.ts";

const FD_CASES: Case[] = [
  {
    name: "tanh ce 2 hidden",
    spec: { size: 2, widths: [4, 6, 5, 3], activation: "tanh", batchSize: 5 },
    rows: 12,
    optimizers: ["sgd"],
  },
  {
    name: "tanh mse 3 hidden",
    spec: { size: 1, widths: [3, 4, 5, 3, 2], activation: "tanh", loss: "mse", batchSize: 4 },
    rows: 9,
    optimizers: ["sgd"],
  },
  {
    name: "relu ce 1 hidden",
    spec: { size: 2, widths: [5, 7, 4], batchSize: 6 },
    rows: 15,
    optimizers: ["sgd"],
  },
];

for (const c of FD_CASES) {
  Deno.test(`trainStepCpu() gradients match central finite differences when ${c.name}`, async () => {
    const backend = new CpuBackend();
    const { data, pop } = setupCase(backend, c, 5);
    const cpuPop = pop as CpuPopulation;
    const layout = cpuPop.layout;
    const { grads } = await pop.gradients(data);
    const B = layout.batchSize;
    const d = caseData(c, 5);
    const params = cpuPop.state.params;
    const h = 1e-2;
    let checked = 0;
    for (let p = 0; p < layout.size; p++) {
      const idx = cpuPop.state.batchIdx.slice(p * B, (p + 1) * B);
      const evalIdx = new Uint32Array(layout.size * B);
      for (let q = 0; q < layout.size; q++) evalIdx.set(idx, q * B);
      const lossAt = () => evaluateCpu(layout, cpuPop.state, d, evalIdx, B).loss[p]!;
      for (let k = 0; k < layout.paramCount; k += 3) {
        const i = p * layout.stride + k;
        const w = params[i]!;
        params[i] = w + h;
        const up = lossAt();
        params[i] = w - h;
        const down = lossAt();
        params[i] = w;
        const fd = (up - down) / (2 * h);
        const g = grads[i]!;
        assert.ok(
          Math.abs(fd - g) <= 2e-3 + 2e-2 * Math.abs(fd),
          `model ${p} param ${k}: analytic ${g} vs finite difference ${fd}`,
        );
        checked++;
      }
    }
    assert.ok(checked > 10);
  });
}

Deno.test("mlpLayout() rejects bad shapes with a message naming the field", () => {
  assert.throws(
    () => mlpLayout({ size: 4, widths: [3, 0, 2] }),
    /widths\[1\] must be in \[1, 256\]: current value is 0/,
  );
  assert.throws(
    () => mlpLayout({ size: 4, widths: [3, 300, 2] }),
    /widths\[1\] must be in \[1, 256\]: current value is 300/,
  );
  assert.throws(
    () => mlpLayout({ size: 0, widths: [3, 4, 2] }),
    /size must be in \[1, 4194304\]: current value is 0/,
  );
  assert.throws(() => mlpLayout({ size: 2, widths: [3, 2] }), /widths must have 3 to 5 entries/);
  assert.throws(
    () => mlpLayout({ size: 2, widths: [3, 4, 4, 4, 4, 2] }),
    /widths must have 3 to 5 entries/,
  );
  assert.throws(() => mlpLayout({ size: 2.5, widths: [3, 4, 2] }), TypeError);
  assert.throws(
    () => mlpLayout({ size: 2, widths: [3, 4, 2], batchSize: 0 }),
    /batchSize must be in \[1, 1024\]/,
  );
  assert.throws(
    () => mlpLayout({ size: 2, widths: [3, 4, 1] }),
    /output width must be >= 2 for cross_entropy/,
  );
});

Deno.test("mlpLayout() derives offsets, stride and activation offsets", () => {
  const l = mlpLayout({ size: 3, widths: [32, 64, 5] });
  assert.deepEqual(l.weightOffset, [0, 32 * 64 + 64]);
  assert.deepEqual(l.biasOffset, [32 * 64, 32 * 64 + 64 + 64 * 5]);
  assert.equal(l.paramCount, 32 * 64 + 64 + 64 * 5 + 5);
  assert.equal(l.stride % 4, 0);
  assert.deepEqual(l.actOffset, [0, 64]);
  assert.equal(l.actWidth, 69);
});

Deno.test("CpuPopulation rejects bad knobs and mismatched data sets with the field named", () => {
  const backend = new CpuBackend();
  const pop = backend.createPopulation({ size: 2, widths: [3, 4, 2], batchSize: 2 });
  assert.throws(
    () => pop.setKnobs({ lr: -0.1 }),
    /knobs.lr: must be in \[0, 100\]: current value is -0.1/,
  );
  assert.throws(
    () => pop.setKnobs([{ lr: 0.1 }, { lr: 0.1, momentum: 1.5 }]),
    /knobs\[1\].momentum/,
  );
  assert.throws(() => pop.setKnobs([{ lr: 0.1 }]), /one entry per model \(2\)/);
  const wrongInputs = backend.uploadDataset({
    count: 4,
    inputs: 5,
    targetWidth: 1,
    classes: 2,
    x: new Float32Array(20),
    y: new Float32Array([0, 1, 0, 1]),
  });
  pop.setBatches(new Uint32Array(4), 1);
  assert.throws(
    () => pop.train(wrongInputs, 1),
    /input width must equal widths\[0\] = 3: current value is 5/,
  );
  assert.throws(
    () =>
      backend.uploadDataset({
        count: 4,
        inputs: 3,
        targetWidth: 1,
        classes: 2,
        x: new Float32Array(11),
        y: new Float32Array(4),
      }),
    /dataset.x: length must be count\*inputs = 12: current value is 11/,
  );
  assert.throws(
    () =>
      backend.uploadDataset({
        count: 2,
        inputs: 1,
        targetWidth: 1,
        classes: 2,
        x: new Float32Array(2),
        y: new Float32Array([0, 5]),
      }),
    /dataset.y\[1\]: class label must be an integer in \[0, 1\]: current value is 5/,
  );
  const d = backend.uploadDataset({
    count: 2,
    inputs: 3,
    targetWidth: 1,
    classes: 2,
    x: new Float32Array(6),
    y: new Float32Array([0, 1]),
  });
  pop.setBatches(new Uint32Array([0, 1, 1, 7]), 1);
  assert.throws(() => pop.train(d, 1), /sample rows must be < count 2: largest row is 7/);
  assert.throws(
    () => pop.setBatches(new Uint32Array(3), 1),
    /length must be P\*numBatches\*batchSize = 4/,
  );
});
