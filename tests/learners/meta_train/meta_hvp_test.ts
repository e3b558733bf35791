/**
 * The Hessian-vector kernels (shaders/meta_hvp.wgsl, meta_hvp_update.wgsl) against their twin
 * hvpStepCpu on seeded models, vectors and batches: cross-entropy with label maps (relu, 2 hidden
 * layers) and MSE (tanh), with model counts, widths and a batch of 7 that are not multiples of the
 * workgroup size, in one dispatch and split over several (hvpPlan under a small loop budget: 3
 * samples per dispatch, the last taking 1, and 1 per dispatch). hv starts as NaN (sample 0 must
 * write it, not add to it) and the split runs must give the one-dispatch run's bits.
 */
import assert from "node:assert/strict";
import { createStorageBufferFrom, readF32 } from "../../../core/buffers.ts";
import type { GpuContext } from "../../../core/gpu_context.ts";
import { Rng } from "../../../core/rng.ts";
import {
  dispatchMetaKernel,
  type HvpBuffers,
  hvpLoopIterations,
  type HvpPlan,
  hvpPlan,
  hvpScratchFloats,
  hvpStepCpu,
  META_HVP,
  META_HVP_UPDATE,
  metaHvpRuns,
} from "../../../learners/meta_train/mod.ts";
import {
  type Activation,
  type LossKind,
  type MlpLayout,
  mlpLayout,
} from "../../../learners/mlp/mlp_layout.ts";
import { assertClose, gpuTest, randomDataset } from "../../helpers.ts";

// 5-9-6-3 has 135 parameters in a stride of 136: the padding must stay as it was.
const CASES: [LossKind, Activation, number[], number][] = [
  ["cross_entropy", "relu", [5, 9, 6, 3], 3],
  ["mse", "tanh", [1, 13, 1], 70],
];
const BATCH = 7;

/** The plans tried: one dispatch, 3 samples per dispatch (3 + 3 + 1), 1 per dispatch (7). */
function plans(L: MlpLayout): [string, HvpPlan, number][] {
  const budget = (samples: number) => hvpLoopIterations(L, { samples, update: false });
  return [
    ["one dispatch", hvpPlan(L)!, 1],
    ["3 samples per dispatch", hvpPlan(L, budget(3))!, 4],
    ["1 sample per dispatch", hvpPlan(L, budget(1))!, 8],
  ];
}

Deno.test("hvpPlan splits the batch only past the budget, and gives up past one sample", () => {
  const L = mlpLayout({ size: 1, widths: [5, 9, 6, 3], batchSize: BATCH });
  assert.deepEqual(hvpPlan(L), { samples: BATCH, fused: true });
  assert.deepEqual(hvpPlan(L, hvpLoopIterations(L)), { samples: BATCH, fused: true });
  const whole = hvpLoopIterations(L, { update: false });
  assert.deepEqual(hvpPlan(L, hvpLoopIterations(L) - 1), { samples: BATCH, fused: false });
  assert.deepEqual(hvpPlan(L, whole - 1), { samples: BATCH - 1, fused: false });
  const one = hvpLoopIterations(L, { samples: 1, update: false });
  assert.deepEqual(hvpPlan(L, one), { samples: 1, fused: false });
  assert.equal(hvpPlan(L, one - 1), null);
});

/** Runs `runs` in order, each in its own submit. */
async function dispatchAll(ctx: GpuContext, runs: ReturnType<typeof metaHvpRuns>): Promise<void> {
  for (const [kernel, run] of runs) await dispatchMetaKernel(ctx, kernel, run);
}

for (const [loss, activation, widths, P] of CASES) {
  gpuTest(
    `meta_hvp matches hvpStepCpu() when loss=${loss}, models=${P}, split or not`,
    async (ctx) => {
      const rng = new Rng(P);
      const L = mlpLayout({ size: 1, widths, batchSize: BATCH, loss, activation });
      const count = 40;
      const data = randomDataset(rng, {
        count,
        inputs: widths[0]!,
        mse: loss === "mse",
        classes: 5,
      });
      const normals = (n: number, s: number) =>
        Float32Array.from({ length: n }, () => s * rng.normal());
      const theta = normals(P * L.stride, 0.5);
      const v0 = normals(P * L.stride, 1);
      const rowLen = 14;
      const batches = Uint32Array.from({ length: P * rowLen }, () => rng.int(count));
      const labelWidth = loss === "mse" ? 0 : 5;
      const labelMap = Uint32Array.from({ length: Math.max(1, P * labelWidth) }, () => rng.int(3));
      const o = { models: P, rowLen, labelWidth, lr: 0.3 };
      const want = v0.slice();
      hvpStepCpu(L, data, { theta, v: want, batches, labelMap }, o);
      const shared = {
        x: createStorageBufferFrom(ctx, data.x, "x"),
        y: createStorageBufferFrom(ctx, data.y, "y"),
        batches: createStorageBufferFrom(ctx, batches, "b"),
        labelMap: createStorageBufferFrom(ctx, labelMap, "l"),
        theta: createStorageBufferFrom(ctx, theta, "t"),
      };
      let first: Float32Array | null = null;
      for (const [name, plan, dispatches] of plans(L)) {
        const b: HvpBuffers = {
          ...shared,
          v: createStorageBufferFrom(ctx, v0, "v"),
          hv: createStorageBufferFrom(ctx, new Float32Array(v0.length).fill(NaN), "hv"),
          scratch: createStorageBufferFrom(ctx, new Float32Array(P * hvpScratchFloats(L)), "s"),
        };
        const runs = metaHvpRuns(L, b, { ...o, targetWidth: 1, plan });
        assert.equal(runs.length, dispatches, name);
        assert.equal(runs.at(-1)![0], dispatches === 1 ? META_HVP : META_HVP_UPDATE, name);
        await dispatchAll(ctx, runs);
        const got = await readF32(ctx, b.v as GPUBuffer);
        assertClose(got, want, { atol: 1e-5, rtol: 1e-4, what: `${loss} v - lr H v, ${name}` });
        if (first) assert.deepEqual(got, first, `${name}: the one-dispatch run's bits`);
        first ??= got;
        for (const x of [b.v, b.hv, b.scratch]) (x as GPUBuffer).destroy();
      }
      for (const x of Object.values(shared)) x.destroy();
    },
  );
}
