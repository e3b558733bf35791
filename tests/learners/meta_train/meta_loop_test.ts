/**
 * The meta-training loop (Backend.createMetaLoop): the GPU loop against its CPU twin over several
 * meta-iterations (theta, Adam moments and every log row, mixed tolerance), on 3-way 1-shot
 * episodes with label maps, a meta-batch of 5 and a network whose parameter count is not a
 * multiple of the workgroup size; state round trips and input checks.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import type { Backend } from "../../../learners/backend.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import {
  gatherEpisodesCpu,
  mamlMetaGradientCpu,
  META_LOG_WIDTH,
  type MetaLoop,
  type MetaLoopMethod,
  type MetaLoopReadout,
  type MetaLoopSpec,
} from "../../../learners/meta_train/mod.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { directGpuLoop, family, startState } from "./_family.ts";

const WIDTHS = [6, 9, 3];

/**
 * Runs `iters` iterations in two calls on `backend` and reads after each; returns the reads.
 * The inner batch is 4 (not a multiple of the support set of 3) or `batchSize`.
 */
async function runLoop(
  backend: Backend,
  method: MetaLoopMethod,
  iters: [number, number],
  create: (spec: MetaLoopSpec) => Promise<MetaLoop> = (spec) => backend.createMetaLoop(spec),
  batchSize = 4,
): Promise<MetaLoopReadout[]> {
  const batch = family(6, 1).sampleEpisodes(4, 20);
  const data = backend.uploadDataset(batch.dataset);
  const loop = await create({
    method,
    widths: WIDTHS,
    batchSize,
    metaBatch: 5,
    innerSteps: 2,
    innerLr: 0.3,
    metaLr: method === "reptile" ? 0.5 : 0.02,
  });
  const stride = mlpLayout({ size: 1, widths: WIDTHS, batchSize }).stride;
  const rng = new Rng(2);
  loop.write(startState(rng, stride));
  const out: MetaLoopReadout[] = [];
  for (const n of iters) {
    loop.run(batch, data, Uint32Array.from({ length: 5 * n }, () => rng.int(20)));
    out.push(await loop.read());
  }
  loop.destroy();
  data.destroy();
  return out;
}

// batchSize 4: every inner step on the loop's population; 6 (twice the support set of 3): both loops
// run their inner steps on a compacted population of batch 3 (learners/meta_train/gpu_loop_pops.ts;
// the CPU twin against its uncompacted self: cpu_compact_test.ts).
for (
  const [method, batchSize] of [
    ...(["reptile", "fomaml", "maml", "meta-sgd", "es-maml", "protonet"] as const).map((
      m,
    ) => [m, 4] as const),
    ...(["reptile", "fomaml", "maml", "meta-sgd", "es-maml"] as const).map((m) => [m, 6] as const),
  ]
) {
  const compacted = batchSize === 6 ? " (inner steps compacted to the support set)" : "";
  gpuTest(
    `GpuMetaLoop matches CpuMetaLoop over 4 ${method} iterations${compacted}`,
    async (ctx) => {
      const gpu = await GpuBackend.create(ctx);
      const made: number[] = [];
      const [want, got] = [
        await runLoop(new CpuBackend(), method, [3, 1], undefined, batchSize),
        // ProtoNet's kernel directly: GpuBackend runs its loop on the host on a software adapter.
        // Two iterations per submit: the first call's 3 iterations span two batched submits.
        await runLoop(
          gpu,
          method,
          [3, 1],
          (spec) => directGpuLoop(ctx, gpu, spec, { made, iterationsPerSubmit: 2 }),
          batchSize,
        ),
      ];
      assert.deepEqual(made, compacted ? [3] : [], "compacted populations made");
      for (let r = 0; r < want.length; r++) {
        const tol = { atol: 1e-5, rtol: 1e-4 };
        assertClose(got[r]!.state.theta, want[r]!.state.theta, {
          ...tol,
          what: `${method} theta ${r}`,
        });
        assertClose(got[r]!.state.moments, want[r]!.state.moments, {
          ...tol,
          what: `moments ${r}`,
        });
        assertClose(got[r]!.log, want[r]!.log, { atol: 1e-5, rtol: 1e-3, what: `log ${r}` });
        assert.equal(got[r]!.state.t, want[r]!.state.t);
        const alpha = [got[r]!.state.alpha!, want[r]!.state.alpha!];
        if (method === "meta-sgd") {
          assertClose(alpha[0]!, alpha[1]!, { ...tol, what: `alpha ${r}` });
        }
        if (method === "protonet") {
          assertClose(got[r]!.stats!, want[r]!.stats!, { ...tol, what: `protonet stats ${r}` });
        }
      }
      assert.equal(want[0]!.log.length, 3 * META_LOG_WIDTH);
      assert.equal(want[1]!.log.length, 1 * META_LOG_WIDTH);
      for (let i = 0; i < 3; i++) {
        assert.equal(
          want[0]!.log[i * META_LOG_WIDTH + 2],
          method === "es-maml" ? 10 : 5,
          "healthy",
        );
      }
      assert.ok(want[0]!.log[1]! > 0, "norm of the first iteration");
    },
  );
}

Deno.test("CpuMetaLoop rejects bad specs and ids", async () => {
  const b = new CpuBackend();
  const spec = {
    method: "fomaml" as const,
    widths: WIDTHS,
    batchSize: 4,
    metaBatch: 2,
    innerSteps: 1,
    innerLr: 0.1,
    metaLr: 0.1,
  };
  await assert.rejects(
    async () => await b.createMetaLoop({ ...spec, innerSteps: 0 }),
    /innerSteps/,
  );
  await assert.rejects(
    async () => await b.createMetaLoop({ ...spec, method: "x" as never }),
    /method/,
  );
  const loop = await b.createMetaLoop(spec);
  const batch = family(6, 1).sampleEpisodes(1, 3);
  const data = b.uploadDataset(batch.dataset);
  assert.throws(() => loop.run(batch, data, new Uint32Array(3)), /whole rows of 2/);
  assert.throws(() => loop.run(batch, data, Uint32Array.from([0, 3])), /< 3/);
});

Deno.test("CpuMetaLoop's MAML iteration takes the mean of mamlMetaGradientCpu (f64, FD-checked)", async () => {
  const b = new CpuBackend();
  const batch = family(6, 1).sampleEpisodes(4, 20);
  const data = b.uploadDataset(batch.dataset);
  const spec = {
    widths: WIDTHS,
    activation: "tanh" as const,
    batchSize: 4,
    metaBatch: 3,
    innerSteps: 2,
    innerLr: 0.5,
    metaLr: 0.01,
  };
  const L = mlpLayout({ size: 1, ...spec });
  const rng = new Rng(5);
  const theta = Float32Array.from({ length: L.stride }, () => 0.7 * rng.normal());
  const ids = Uint32Array.from([3, 11, 17]);
  const norms: number[] = [];
  for (const method of ["maml", "fomaml"] as const) {
    const loop = await b.createMetaLoop({ ...spec, method });
    loop.write({ theta, moments: new Float32Array(2 * L.stride), t: 0 });
    loop.run(batch, data, ids);
    norms.push((await loop.read()).log[1]!);
  }
  const g = gatherEpisodesCpu(batch, ids, 0, {
    models: 3,
    batchSize: 4,
    slots: 2,
    querySlot: true,
  });
  const mean = new Float64Array(L.paramCount);
  for (let p = 0; p < 3; p++) {
    const row = (s: number) => g.batches.subarray((p * 3 + s) * 4, (p * 3 + s + 1) * 4);
    const labelMap = g.labelMap.subarray(p * 8, (p + 1) * 8);
    const r = mamlMetaGradientCpu(L, theta, { data: batch.dataset, idx: row(0), labelMap }, {
      data: batch.dataset,
      idx: row(2),
      labelMap,
    }, { lr: 0.5, steps: 2 });
    r.metaGrad.forEach((x, i) => mean[i] = mean[i]! + x / 3);
  }
  const want = Math.hypot(...mean);
  assert.ok(Math.abs(norms[0]! - want) <= 1e-4 * want, `maml ${norms[0]} vs twin ${want}`);
  assert.ok(Math.abs(norms[1]! - want) > 1e-3 * want, `fomaml ${norms[1]} too close to ${want}`);
});
