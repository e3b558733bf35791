// Backend.runStrategies: the device path (runStrategiesGpu) matches the CPU twins
// (runStrategiesCpu) for every strategy over 3 generations on 3 BBOB instances, and both count
// floor(maxEvals / popSize) generations.
import { equal } from "node:assert/strict";
import { assertClose, gpuTest } from "../../helpers.ts";
import { runStrategiesCpu, runStrategiesGpu } from "../../../learners/strategies/bbob_run.ts";
import { bbobInstance } from "../../../learners/tasks/bbob.ts";

for (const name of ["cma-es", "openai-es", "snes", "pgpe"]) {
  gpuTest(
    `runStrategiesGpu() matches runStrategiesCpu() for 3 ${name} generations`,
    async (ctx) => {
      const instances = [1, 10, 20].map((fid, k) => bbobInstance(fid, 10, k, 2));
      const spec = { name, instances, maxEvals: 35, mean: 0, sigma: 2, seed: 4, popSize: 10 };
      const cpu = await runStrategiesCpu(spec);
      const gpu = await runStrategiesGpu(ctx, spec);
      equal(cpu.evaluations, 30);
      equal(gpu.evaluations, 30);
      assertClose(gpu.best, cpu.best, { atol: 1e-3, rtol: 2e-3, what: `${name} best` });
    },
  );
}
