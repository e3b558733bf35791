import assert from "node:assert/strict";
import { CpuBackend, type CpuPopulation } from "../../../learners/cpu_backend.ts";
import { evaluateCpu } from "../../../learners/mlp/evaluate_cpu.ts";
import { assertClose } from "../../helpers.ts";
import { type Case, caseData, CASES, setupCase } from "./_cases.ts";

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

Deno.test("trainStepCpu() label smoothing 0 gives plain cross-entropy and > 0 raises the loss of a confident model", async () => {
  const c = CASES[1]!;
  const cpu = new CpuBackend();
  const a = setupCase(cpu, c, 82);
  a.pop.setKnobs({ lr: 0.1 });
  const plain = (await a.pop.gradients(a.data)).loss;
  const e = await a.pop.evaluate(
    a.data,
    new Uint32Array(c.spec.size * 9).map((_, i) =>
      (a.pop as CpuPopulation).state.batchIdx[Math.floor(i / 9) * 9 + (i % 9)]!
    ),
  );
  assertClose(plain, e.loss, {
    atol: 1e-6,
    rtol: 1e-6,
    what: "training loss = eval cross-entropy at smoothing 0",
  });
  a.pop.setKnobs({ lr: 0.1, labelSmoothing: 0.5 });
  const smooth = (await a.pop.gradients(a.data)).loss;
  assert.ok(smooth.some((v, i) => Math.abs(v - plain[i]!) > 1e-6), "smoothing changes the loss");
  assert.throws(
    () => a.pop.setKnobs({ lr: 0.1, labelSmoothing: 1 }),
    /labelSmoothing: must be in \[0, 1\)/,
  );
  assert.throws(
    () => a.pop.setKnobs({ lr: 0.1, gradTransform: "cube" as never }),
    /gradTransform: must be none, sign or normalize/,
  );
});
