// GpuStrategy.runDevice: ask, BBOB evaluation, best-so-far and tell on the device match the CPU
// twins for a generation, and CMA-ES solves the sphere on the device as on the CPU.
import { ok } from "node:assert/strict";
import { assertClose, gpuTest } from "../../helpers.ts";
import { BbobDevice } from "../../../learners/strategies/bbob_device.ts";
import { GpuStrategy } from "../../../learners/strategies/gpu_strategy.ts";
import { getStrategy } from "../../../learners/strategies/registry.ts";
import { askCpu } from "../../../learners/strategies/strategy.ts";
import { bbobBatch, bbobInstance } from "../../../learners/tasks/bbob.ts";

const TOL = { atol: 1e-4, rtol: 2e-3 };

for (const name of ["cma-es", "snes", "pgpe", "openai-es"]) {
  gpuTest(
    `GpuStrategy.runDevice() matches the CPU loop for one ${name} generation on BBOB`,
    async (ctx) => {
      const strategy = getStrategy(name);
      const config = { instances: 3, dim: 10, popSize: 10 };
      const params = strategy.defaultParams(config);
      const insts = [2, 15, 24].map((fid, s) => bbobInstance(fid, 10, s, 4));
      const state = strategy.init(config, params, { mean: 0.5, sigma: 2, seed: 6 });
      const gpu = await GpuStrategy.create(ctx, name, config, params, state);
      const dev = await BbobDevice.create(ctx, insts);
      await gpu.runDevice(dev, 1);
      const batch = askCpu(config, state, strategy.antithetic);
      const f = new Float64Array(30);
      insts.forEach((o, s) =>
        f.set(bbobBatch(o, batch.x.subarray(s * 100, (s + 1) * 100), 10), s * 10)
      );
      strategy.tell(config, params, state, batch, f);
      const got = await gpu.readState();
      assertClose(got.bestFitness, state.bestFitness, { ...TOL, what: "best" });
      assertClose(got.bestX, state.bestX, { ...TOL, what: "bestX" });
      assertClose(got.mean, state.mean, { ...TOL, what: "mean" });
      assertClose(got.scale, state.scale, { ...TOL, what: "scale" });
      gpu.destroy();
      dev.destroy();
    },
  );
}

gpuTest(
  "CMA-ES on the device reaches 1e-8 on BBOB f1 at D=10 in 4 instances within 2000 evaluations",
  async (ctx) => {
    const strategy = getStrategy("cma-es");
    const config = { instances: 4, dim: 10, popSize: 10 };
    const params = strategy.defaultParams(config);
    const insts = [0, 1, 2, 3].map((k) => bbobInstance(1, 10, k, 8));
    const gpu = await GpuStrategy.create(
      ctx,
      "cma-es",
      config,
      params,
      strategy.init(config, params, { mean: 0, sigma: 2, seed: 1 }),
    );
    const dev = await BbobDevice.create(ctx, insts);
    await gpu.runDevice(dev, 200);
    const st = await gpu.readState();
    for (const b of st.bestFitness) ok(b <= 1e-8, `best ${b}`);
    gpu.destroy();
    dev.destroy();
  },
);
