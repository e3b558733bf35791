// Parity of bbob_eval.wgsl with bbobBatch(): every function of the suite, D = 2, 10, 37 and 100,
// random points in [-5, 5]^D and points near the optimum.
import { assertClose, gpuTest } from "../../helpers.ts";
import { createStorageBuffer, createStorageBufferFrom, readF32 } from "../../../core/buffers.ts";
import { Rng } from "../../../core/rng.ts";
import assert from "node:assert/strict";
import type { GpuContext } from "../../../core/gpu_context.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { LOOP_BUDGET } from "../../../learners/mlp/loop_budget.ts";
import { BbobDevice, bbobLoopIterations } from "../../../learners/strategies/bbob_device.ts";
import { runStrategiesCpu } from "../../../learners/strategies/bbob_run.ts";
import { GpuStrategy } from "../../../learners/strategies/gpu_strategy.ts";
import { strategyLoops } from "../../../learners/strategies/strategy_kernels.ts";
import { getStrategy } from "../../../learners/strategies/registry.ts";
import {
  BBOB_IDS,
  bbobBatch,
  type BbobInstance,
  bbobInstance,
} from "../../../learners/tasks/bbob.ts";

/** f - f_opt on the device and on the twin of the N candidates per instance in x (instance-major). */
async function deviceAndTwinAt(
  ctx: GpuContext,
  insts: readonly BbobInstance[],
  x: Float32Array<ArrayBuffer>,
  N: number,
  dim: number,
) {
  const want = new Float64Array(insts.length * N);
  insts.forEach((o, s) =>
    want.set(bbobBatch(o, x.subarray(s * N * dim, (s + 1) * N * dim), N), s * N)
  );
  const dev = await BbobDevice.create(ctx, insts);
  const xb = createStorageBufferFrom(ctx, x, "x");
  const fb = createStorageBuffer(ctx, insts.length * N * 4, "fitness");
  const owned: GPUBuffer[] = [];
  try {
    const enc = ctx.device.createCommandEncoder();
    dev.encode(enc, { x: xb, fitness: fb, sizes: { popSize: N, dim }, owned });
    ctx.device.queue.submit([enc.finish()]);
    return { got: await readF32(ctx, fb, insts.length * N), want };
  } finally {
    for (const b of [xb, fb, ...owned]) b.destroy();
    dev.destroy();
  }
}

for (const dim of [2, 10, 37, 100]) {
  gpuTest(
    `bbob_eval kernel matches bbobBatch() for all ${BBOB_IDS.length} functions when D=${dim}`,
    async (ctx) => {
      const N = 7;
      const insts = BBOB_IDS.map((fid, s) => bbobInstance(fid, dim, s, 5));
      const rng = new Rng(dim, 9);
      const x = new Float32Array(insts.length * N * dim);
      insts.forEach((o, s) => {
        for (let i = 0; i < N; i++) {
          for (let d = 0; d < dim; d++) {
            // Points 0-2 near the optimum, the rest anywhere in the domain.
            x[(s * N + i) * dim + d] = i < 3 ? o.xopt[d]! + 0.01 * rng.normal() : rng.range(-5, 5);
          }
        }
      });
      const { got, want } = await deviceAndTwinAt(ctx, insts, x, N, dim);
      assertClose(got, want, { atol: 2e-3, rtol: 2e-3, what: `D=${dim} f - f_opt` });
    },
  );
}

/** f - f_opt of N candidates per instance on the device and on the twin (random points). */
function deviceAndTwin(ctx: GpuContext, fids: readonly number[], dim: number, N: number) {
  const insts = fids.map((fid, s) => bbobInstance(fid, dim, s, 3));
  const rng = new Rng(dim, 4);
  const x = Float32Array.from({ length: insts.length * N * dim }, () => rng.range(-5, 5));
  return deviceAndTwinAt(ctx, insts, x, N, dim);
}

// Lavapipe counts loop iterations per SIMD group of 8 invocations and a group whose candidates
// evaluate two functions runs both; with N = 3 most groups held two or three instances, and at
// D = 128 (f10, f11 and f12: 4 rotations, about 68,000 iterations) returned wrong values silently
// before the kernel padded each instance to whole groups.
gpuTest(
  "bbob_eval kernel matches bbobBatch() when D=128 and N=3 (instances never share a SIMD group)",
  async (ctx) => {
    const fids = BBOB_IDS.filter((f) => f !== 15);
    assert.ok(bbobLoopIterations(fids, 128) <= LOOP_BUDGET);
    const { got, want } = await deviceAndTwin(ctx, fids, 128, 3);
    assertClose(got, want, { atol: 2e-3, rtol: 2e-3, what: "D=128 f - f_opt" });
  },
);

gpuTest(
  "BbobDevice refuses f15 at D=128 on a software adapter (past the loop budget)",
  async (ctx) => {
    assert.ok(bbobLoopIterations([15], 128) > LOOP_BUDGET);
    assert.ok(bbobLoopIterations([15], 126) <= LOOP_BUDGET);
    if (!ctx.software) return;
    await assert.rejects(
      () => deviceAndTwin(ctx, [15], 128, 4),
      /^RangeError: Cannot evaluate BBOB on this software adapter as its invocations need 51342 loop iterations/,
    );
  },
);

gpuTest("GpuBackend.runStrategies past the loop budget equals the CPU twins", async (ctx) => {
  const spec = {
    name: "cma-es",
    instances: [bbobInstance(15, 128, 0, 1), bbobInstance(1, 128, 1, 1)],
    maxEvals: 40,
    mean: 0,
    sigma: 2,
    seed: 5,
  };
  const want = await runStrategiesCpu(spec);
  const got = await (await GpuBackend.create(ctx)).runStrategies(spec);
  if (ctx.software) assert.deepEqual(got, want);
  else assertClose(got.best, want.best, { atol: 1e-3, rtol: 1e-3, what: "best" });
});

gpuTest(
  "GpuStrategy refuses full CMA-ES past the loop budget on a software adapter",
  async (ctx) => {
    const strategy = getStrategy("cma-es");
    const config = { instances: 1, dim: 128, popSize: 200 };
    const params = strategy.defaultParams(config);
    // es_cma_tell: 256 covariance entries per invocation, each over the 200 candidates.
    assert.ok(strategyLoops("cma-es", config, params) > LOOP_BUDGET);
    assert.ok(strategyLoops("cma-es", { ...config, popSize: 18 }, params) <= LOOP_BUDGET);
    if (!ctx.software) return;
    const state = strategy.init(config, params, { mean: 0, sigma: 1, seed: 1 });
    await assert.rejects(
      () => GpuStrategy.create(ctx, "cma-es", config, params, state),
      /^RangeError: Cannot run cma-es on this software adapter as its kernels need \d+ loop iterations/,
    );
  },
);
