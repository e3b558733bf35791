import assert from "node:assert/strict";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import { F16_DATA as data } from "./mlp/_cases.ts";

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

Deno.test("CPU backend stores f16 inputs rounded to the nearest f16 and f32 inputs unchanged", () => {
  const cpu = new CpuBackend();
  const half = cpu.uploadDataset(data, { inputPrecision: "f16" }) as unknown as { x: Float32Array };
  const full = cpu.uploadDataset(data) as unknown as { x: Float32Array };
  assert.deepEqual([...half.x], [...data.x].map(Math.f16round));
  assert.equal(half.x[0], 0.0999755859375);
  assert.equal(half.x[2], 1000.5);
  assert.deepEqual([...full.x], [...data.x]);
  assert.equal(data.x[0], Math.fround(0.1), "the caller's array is not modified");
});

Deno.test("uploadDataset rejects an unknown inputPrecision with a one-line error naming it", () => {
  assert.throws(
    () => new CpuBackend().uploadDataset(data, { inputPrecision: "f8" as "f16" }),
    /Invalid inputPrecision: must be "f32" or "f16": current value is f8/,
  );
});
