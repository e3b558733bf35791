import assert from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { CASES, F16_DATA as data, setupCase } from "./_cases.ts";

// The f16-input kernels against the CPU twin trained on the same rounded inputs: K steps, then
// evaluation; population sizes off the workgroup size; CASES[4] trains with the two-hidden-layer
// fused step (learners/mlp/mlp_fused2.ts) on a software adapter.
for (const c of [CASES[1]!, CASES[3]!, CASES[4]!]) {
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
