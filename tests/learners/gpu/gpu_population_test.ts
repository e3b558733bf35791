import assert from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend, type GpuPopulation } from "../../../learners/gpu/gpu_backend.ts";
import type { OptimizerKind } from "../../../learners/optimizers/knobs.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { scratchStride } from "../../../learners/mlp/mlp_uniform.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { CASES, setupCase, setupTwins, trainTwins } from "../mlp/_cases.ts";

gpuTest("GpuPopulation gives identical parameters for the same seed (determinism)", async (ctx) => {
  const gpu = await GpuBackend.create(ctx);
  const c = CASES[1]!;
  const runs: Float32Array[] = [];
  for (let r = 0; r < 2; r++) {
    const { data, pop } = setupCase(gpu, c, 21, 2);
    pop.train(data, 5);
    runs.push(await pop.readParams());
    pop.destroy();
  }
  assert.deepEqual(runs[0], runs[1]);
  const { pop } = setupCase(gpu, c, 22, 2);
  assert.notDeepEqual(await pop.readParams(), runs[0]);
});

gpuTest(
  "a population split into several dispatches (bindings capped) matches the CPU twin",
  async (ctx) => {
    const c = {
      ...CASES[3]!,
      spec: { ...CASES[3]!.spec, size: 200 },
      optimizers: ["sgd", "adam"] as OptimizerKind[],
    };
    const cpu = new CpuBackend();
    // 64 models' largest binding (scratch or optimizer moments) per binding: 200 models run as 4
    // dispatches.
    const L = mlpLayout(c.spec);
    const perModel = Math.max(scratchStride(L) * 4, 2 * L.stride * 4);
    const gpu = await GpuBackend.create(ctx, { maxBindingBytes: 64 * perModel + 100 });
    const a = setupCase(cpu, c, 51, 2);
    const b = setupCase(gpu, c, 51, 2);
    assert.equal((b.pop as GpuPopulation).dispatchesPerStep, 4);
    assertClose(await b.pop.readParams(), await a.pop.readParams(), {
      atol: 1e-5,
      rtol: 1e-5,
      what: "init",
    });
    const ranges = new Uint32Array(2 * 200).map((_, i) => (i % 2 === 0 ? (i / 2) % 7 : 100));
    a.pop.sampleBatches({ seed: 5, round: 1, numBatches: 3, ranges });
    b.pop.sampleBatches({ seed: 5, round: 1, numBatches: 3, ranges });
    await trainTwins(a, b, 4);
    const idx = new Uint32Array(200 * 5).map((_, i) => (i * 3) % c.rows);
    const ea = await a.pop.evaluate(a.data, idx);
    const eb = await b.pop.evaluate(b.data, idx);
    assertClose(eb.loss, ea.loss, { atol: 1e-4, rtol: 1e-3, what: "eval loss" });
  },
);

gpuTest(
  "copyModels copies parameters, optimizer state, steps, metrics and knobs bit-exact, as the CPU twin does",
  async (ctx) => {
    const c = CASES[1]!;
    const { a, b } = await setupTwins(ctx, c, 71, 2);
    a.pop.train(a.data, 3);
    b.pop.train(b.data, 3);
    const before = await b.pop.readState();
    // 5 <- 2 and 2 <- 5 swap (copies read the models as they were), 9 <- 0.
    const from = [2, 5, 0];
    const to = [5, 2, 9];
    a.pop.copyModels(from, to);
    b.pop.copyModels(from, to);
    const after = await b.pop.readState();
    const L = b.pop.layout;
    const rows = { params: L.stride, opt: 2 * L.stride, steps: 1, metrics: 4, knobs: 16 } as const;
    for (const [key, n] of Object.entries(rows) as [keyof typeof rows, number][]) {
      for (let i = 0; i < from.length; i++) {
        assert.deepEqual(
          after[key].subarray(to[i]! * n, (to[i]! + 1) * n),
          before[key].subarray(from[i]! * n, (from[i]! + 1) * n),
          `${key} ${to[i]}`,
        );
      }
      assert.deepEqual(
        after[key].subarray(n, 2 * n),
        before[key].subarray(n, 2 * n),
        `${key} of an untouched model`,
      );
    }
    const ta = await a.pop.readState();
    assertClose(after.params, ta.params, { atol: 1e-4, rtol: 1e-3, what: "params vs twin" });
    assert.throws(() => b.pop.copyModels([0, 1], [3, 3]), /each target may appear once/);
    assert.throws(() => b.pop.copyModels([0], [99]), /to\[0\]: must be an integer in \[0, 36\]/);
  },
);

gpuTest(
  "reset zeroes optimizer state, steps and metrics and keeps parameters and knobs, as init then writeParams did, on both backends",
  async (ctx) => {
    const c = { ...CASES[1]!, optimizers: ["adam"] as OptimizerKind[] };
    const { a, b } = await setupTwins(ctx, c, 73, 2);
    for (const t of [a, b]) {
      t.pop.train(t.data, 3);
      const trained = await t.pop.readState();
      assert.ok(trained.opt.some((x) => x !== 0) && trained.steps.some((x) => x !== 0));
      t.pop.reset();
      const after = await t.pop.readState();
      assert.deepEqual(after.params, trained.params);
      assert.deepEqual(after.knobs, trained.knobs);
      assert.ok(after.opt.every((x) => x === 0), "optimizer state zeroed");
      assert.ok(after.steps.every((x) => x === 0), "steps zeroed");
      assert.ok(after.metrics.every((x) => x === 0), "metrics zeroed");
      // The same state as the path it replaces: init (zeroes the state) then writeParams.
      t.pop.init(5);
      t.pop.writeParams(Float32Array.from(trained.params));
      assert.deepEqual(await t.pop.readState(), after);
    }
  },
);

gpuTest(
  "scratch workgroup: activations in workgroup memory train like the CPU twin; a grouping over the device's workgroup memory is refused",
  async (ctx) => {
    const cpu = new CpuBackend();
    // Scalar and vec4 tiles, one to three hidden layers, several models per workgroup with
    // populations not a multiple of them, and one invocation per model (no barriers).
    const runs = [
      [CASES[1]!, { modelsPerGroup: 2, roles: 16 }],
      [CASES[2]!, { modelsPerGroup: 1, roles: 32 }],
      [CASES[4]!, { modelsPerGroup: 4, roles: 1 }],
      [CASES[4]!, { modelsPerGroup: 8, roles: 4 }],
    ] as const;
    for (const [c, grouping] of runs) {
      const gpu = await GpuBackend.create(ctx, { grouping, scratch: "workgroup" });
      const a = setupCase(cpu, c, 61, 2);
      const b = setupCase(gpu, c, 61, 2);
      await trainTwins(a, b, 2);
      // The same arithmetic as the tiled kernel with the scratch buffer: bit for bit the same.
      const storage = await GpuBackend.create(ctx, { grouping, trainKernel: "tiles" });
      const s = setupCase(storage, c, 61, 2);
      s.pop.train(s.data, 2);
      assert.deepEqual(await b.pop.readParams(), await s.pop.readParams());
      b.pop.destroy();
      s.pop.destroy();
    }
    // 64 models of 32-64-5 at batch 32 need 64 x 17,664 bytes of workgroup memory.
    const big = await GpuBackend.create(ctx, {
      grouping: { modelsPerGroup: 64, roles: 4 },
      scratch: "workgroup",
    });
    assert.throws(
      () => setupCase(big, CASES[3]!, 61, 2),
      /Cannot keep the activations in workgroup memory: grouping 64x4 of MLP 32-64-5 at batch 32 needs \d+ bytes, the device grants \d+/,
    );
  },
);

gpuTest(
  "tileSide: square tiles of that side for every product, trained like the CPU twin; a bad side is refused",
  async (ctx) => {
    const cpu = new CpuBackend();
    for (
      const [grouping, tileSide] of [[{ modelsPerGroup: 2, roles: 16 }, 4], [
        { modelsPerGroup: 1, roles: 32 },
        12,
      ]] as const
    ) {
      const gpu = await GpuBackend.create(ctx, { grouping, tileSide });
      const a = setupCase(cpu, CASES[1]!, 61, 2);
      const b = setupCase(gpu, CASES[1]!, 61, 2);
      await trainTwins(a, b, 4);
      b.pop.destroy();
    }
    // The side reaches the tile plan: one that is not a multiple of 4 is refused there.
    const bad = await GpuBackend.create(ctx, { tileSide: 6 });
    assert.throws(
      () => setupCase(bad, CASES[1]!, 61, 2),
      /Invalid tileSide: must be a multiple of 4/,
    );
  },
);
