import assert from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { CASES, setupCase } from "./_cases.ts";

const data = {
  count: 2,
  inputs: 3,
  targetWidth: 1,
  classes: 2,
  x: new Float32Array([0.1, 1 / 3, 1000.3, -2.5, 65504, 1e-6]),
  y: new Float32Array([0, 1]),
};

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

// The f16-input kernels against the CPU twin trained on the same rounded inputs: K steps, then
// evaluation; population sizes off the workgroup size.
for (const c of [CASES[1]!, CASES[3]!]) {
  gpuTest(
    `train_step and evaluate with f16 inputs match the CPU twin when ${c.name}`,
    async (ctx) => {
      if (!ctx.shaderF16) {
        console.log("adapter without shader-f16: f16 inputs are rejected, nothing to compare");
        const gpu = await GpuBackend.create(ctx);
        assert.throws(
          () => gpu.uploadDataset(data, { inputPrecision: "f16" }),
          /needs the adapter feature shader-f16/,
        );
        return;
      }
      const gpu = await GpuBackend.create(ctx);
      const cpu = new CpuBackend();
      const f16 = { inputPrecision: "f16" as const };
      const a = setupCase(cpu, c, 61, 3, f16);
      const b = setupCase(gpu, c, 61, 3, f16);
      assert.equal(b.data.inputPrecision, "f16");
      a.pop.train(a.data, 3);
      b.pop.train(b.data, 3);
      const pa = await a.pop.readParams();
      const pb = await b.pop.readParams();
      assertClose(pb, pa, { atol: 1e-4, rtol: 1e-3, what: "params after 3 steps" });
      const idx = new Uint32Array(c.spec.size * 7).map((_, i) => (i * 5) % c.rows);
      const ea = await a.pop.evaluate(a.data, idx);
      const eb = await b.pop.evaluate(b.data, idx);
      assertClose(eb.loss, ea.loss, { atol: 1e-4, rtol: 1e-3, what: "eval loss" });
      assertClose(eb.accuracy, ea.accuracy, { atol: 1e-6, rtol: 0, what: "eval accuracy" });
      // The same run on f32 inputs ends elsewhere: the f16 path really reads rounded inputs.
      const f = setupCase(gpu, c, 61, 3);
      f.pop.train(f.data, 3);
      const pf = await f.pop.readParams();
      let diff = 0;
      for (let i = 0; i < pf.length; i++) diff = Math.max(diff, Math.abs(pf[i]! - pb[i]!));
      assert.ok(diff > 1e-6, `f16 and f32 inputs gave the same parameters (max diff ${diff})`);
      for (const x of [a, b, f]) {
        x.pop.destroy();
        x.data.destroy();
      }
    },
  );
}
