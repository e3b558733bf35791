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
import { PROBE_STEP } from "../../../learners/evolution/evolution_plan.ts";
import { GENOME, GENOME_STRIDE } from "../../../learners/evolution/genome_layout.ts";
import { KNOB, KNOB_STRIDE } from "../../../learners/optimizers/knobs.ts";
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

Deno.test("knobsCpu holds a segment from its gradSteps up to the probe step, which every model runs", () => {
  const { d, a } = makeCase(6, 3, 5, 4);
  const gradSteps = (p: number) =>
    a.genome[Math.floor(p / d.M) * GENOME_STRIDE + GENOME.gradSteps]!;
  for (const step of [0, 1, 2, 5, PROBE_STEP]) {
    knobsCpu(d, a, step);
    for (let p = 0; p < d.P; p++) {
      const want = step >= gradSteps(p) && step !== PROBE_STEP ? 1 : 0;
      assertEquals(a.knobs[p * KNOB_STRIDE + KNOB.hold], want, `step ${step} model ${p}`);
      assertEquals(a.knobs[p * KNOB_STRIDE + KNOB.lr]! > 0, step < gradSteps(p), `lr ${step} ${p}`);
    }
  }
});

gpuTest("evolve_knobs kernel matches knobsCpu at the probe step (no model holds)", async (ctx) => {
  const { d, a } = makeCase(20, 7, 21, 5);
  const gpu = await EvolveGpu.create(ctx, d, { tasksLength: a.tasks.length });
  try {
    gpu.upload(a);
    const want = cloneArrays(a);
    knobsCpu(d, want, PROBE_STEP);
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    gpu.encodeKnobs(pass, PROBE_STEP);
    pass.end();
    ctx.device.queue.submit([enc.finish()]);
    const got = await gpu.read("knobs", want.knobs.length);
    assertClose(got, want.knobs, { atol: 2e-5, rtol: 2e-4, what: "knobs at the probe step" });
    assertEquals(
      want.knobs.filter((_, i) => i % KNOB_STRIDE === KNOB.hold).every((h) => h === 0),
      true,
    );
  } finally {
    gpu.destroy();
  }
});
