import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  breedCpu,
  type EvolveArrays,
  knobsCpu,
  neuralFitnessCpu,
  objectiveFitnessCpu,
  selectCpu,
  shapeCpu,
  statsCpu,
} from "../../../learners/evolution/evolution_cpu.ts";
import { EvolveGpu, type EvolveKernel } from "../../../learners/evolution/evolution_kernels.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { cloneArrays, makeCase } from "./_evolution_cases.ts";

type Name = keyof EvolveArrays;
const INT_OUTPUTS: Partial<Record<EvolveKernel, Name[]>> = {
  objective: ["flags"],
  neural: ["flags"],
  shape: ["order"],
  select: ["parents"],
};
const FLOAT_OUTPUTS: Partial<Record<EvolveKernel, Name[]>> = {
  objective: ["fitness"],
  neural: ["fitness"],
  shape: ["info"],
  stats: ["segState", "history"],
  select: ["sigmaNext", "metrics"],
  breed: ["next"],
  knobs: ["knobs"],
};
const TWINS: Record<string, (d: Parameters<typeof shapeCpu>[0], a: EvolveArrays) => void> = {
  objective: objectiveFitnessCpu,
  neural: neuralFitnessCpu,
  shape: shapeCpu,
  stats: statsCpu,
  select: selectCpu,
  breed: breedCpu,
  knobs: (d, a) => knobsCpu(d, a, 1),
};

for (const [S, M, D] of [[20, 7, 21], [20, 13, 37]] as const) {
  for (const k of ["objective", "neural", "shape", "stats", "select", "breed", "knobs"] as const) {
    gpuTest(`evolve_${k} kernel matches its CPU twin when S=${S} M=${M} D=${D}`, async (ctx) => {
      const { d, a } = makeCase(S, M, D, 11 + M);
      if (k === "neural") {
        for (let p = 0; p < d.P; p++) {
          a.metrics[4 * p] = (p % 9) * 0.25;
          a.metrics[4 * p + 2] = p % 11 === 0 ? 1 : 0;
        }
        a.metrics[4 * 5] = NaN;
      }
      if (k === "knobs") a.clock[0] = 6;
      const gpu = await EvolveGpu.create(ctx, d, { tasksLength: a.tasks.length });
      try {
        gpu.upload(a);
        const want = cloneArrays(a);
        TWINS[k]!(d, want);
        const enc = ctx.device.createCommandEncoder();
        const pass = enc.beginComputePass();
        if (k === "knobs") gpu.encodeKnobs(pass, 1);
        else gpu.encode(pass, k);
        pass.end();
        ctx.device.queue.submit([enc.finish()]);
        for (const name of INT_OUTPUTS[k] ?? []) {
          const got = await gpu.read(name, want[name].length);
          assertEquals(Array.from(got), Array.from(want[name]), `${k}: ${name}`);
        }
        for (const name of FLOAT_OUTPUTS[k] ?? []) {
          const got = await gpu.read(name, want[name].length);
          assertClose(got, want[name], { atol: 2e-5, rtol: 2e-4, what: `${k}: ${name}` });
        }
      } finally {
        gpu.destroy();
      }
    });
  }
}
