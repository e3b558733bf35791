/**
 * Tasks whose QUERY samples hold a NaN (support samples clean) in the meta loops: the query pass
 * runs the train step in gradient mode, which never sets the quarantine flag, so before 2026-12-03
 * their NaN gradients entered the mean of FOMAML, MAML and Meta-SGD and the update kernels counted
 * the NaN mean as 0: one such task froze theta for the whole meta-batch. Now a task counts only
 * when its flag is 0 and its loss and gradient norm are finite (meta_healthy in
 * shaders/_meta_mean.wgsl, `healthy` in meta_mean.ts): a meta-batch of 5 with 2 such tasks must
 * give the update of the 3 healthy tasks alone (a meta-batch of 3 on their ids), on the CPU loop
 * (inner steps on the whole batch and compacted) and on the GPU loop; the factored loop likewise.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import type { BackendDataset } from "../../../learners/backend.ts";
import { CpuBackend, CpuDataset } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { CpuLowrankLoop } from "../../../learners/meta_train/cpu_lowrank_loop.ts";
import { GpuLowrankLoop } from "../../../learners/meta_train/gpu_lowrank_loop.ts";
import {
  META_LOG_WIDTH,
  type MetaLoop,
  type MetaLoopMethod,
  type MetaLoopReadout,
  type MetaLoopSpec,
} from "../../../learners/meta_train/mod.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import type { EpisodeBatch } from "../../../learners/tasks/task_family.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { directGpuLoop, family, queryNanBatch, startState } from "./_family.ts";
import { perModelLoop } from "./_lowrank_loops.ts";

const WIDTHS = [6, 9, 3];
/** Episodes whose query samples are NaN copies. */
const BAD = (e: number) => e % 4 === 1;
/** Two calls (2 iterations, then 1) of a meta-batch of 5; tasks 1 and 3 of each iteration bad. */
const IDS = [[0, 1, 2, 5, 3, 4, 9, 6, 13, 7], [8, 17, 10, 1, 11]];
/** The same iterations' healthy tasks alone (a meta-batch of 3). */
const HEALTHY = IDS.map((ids) => ids.filter((e) => !BAD(e)));

function nanBatch(inputs = 6): EpisodeBatch {
  return queryNanBatch(family(inputs, 1).sampleEpisodes(4, 20), BAD);
}

function specOf(method: MetaLoopMethod, metaBatch: number, batchSize: number): MetaLoopSpec {
  return {
    method,
    widths: WIDTHS,
    activation: "tanh",
    batchSize,
    metaBatch,
    innerSteps: 2,
    innerLr: 0.3,
    metaLr: 0.02,
  };
}

/** Runs one call per entry of `calls` (its ids) from startState(Rng(2)), reading after each. */
async function runCalls(
  loop: MetaLoop,
  data: BackendDataset,
  batch: EpisodeBatch,
  calls: number[][],
): Promise<MetaLoopReadout[]> {
  const stride = mlpLayout({ size: 1, ...loop.spec }).stride;
  loop.write(startState(new Rng(2), stride));
  const out: MetaLoopReadout[] = [];
  for (const ids of calls) {
    loop.run(batch, data, Uint32Array.from(ids));
    out.push(await loop.read());
  }
  loop.destroy();
  return out;
}

/**
 * `got` (the meta-batch of 5 with bad tasks) equals `want` (the healthy tasks alone): theta,
 * moments, alpha, t and every log row; each iteration used 3 tasks and moved theta, which stays
 * finite.
 */
function assertHealthyUpdate(
  got: MetaLoopReadout[],
  want: MetaLoopReadout[],
  what: string,
  o: { alpha?: boolean; atol?: number; rtol?: number } = {},
): void {
  const tol = { atol: o.atol ?? 1e-6, rtol: o.rtol ?? 1e-5 };
  for (let r = 0; r < want.length; r++) {
    const [g, w] = [got[r]!, want[r]!];
    assert.ok(g.state.theta.every(Number.isFinite), `${what}: theta ${r} finite`);
    assertClose(g.state.theta, w.state.theta, { ...tol, what: `${what} theta ${r}` });
    assertClose(g.state.moments, w.state.moments, { ...tol, what: `${what} moments ${r}` });
    if (o.alpha) {
      assertClose(g.state.alpha!, w.state.alpha!, { ...tol, what: `${what} alpha ${r}` });
    }
    assert.equal(g.state.t, w.state.t);
    assertClose(g.log, w.log, { atol: 1e-5, rtol: 1e-4, what: `${what} log ${r}` });
    for (let i = 0; i < g.log.length / META_LOG_WIDTH; i++) {
      assert.equal(g.log[i * META_LOG_WIDTH + 2], 3, `${what}: tasks used, iteration ${i}`);
      // The update moved theta: the mean gradient used is not the zeros of a NaN mean.
      assert.ok(g.log[i * META_LOG_WIDTH + 1]! > 1e-4, `${what}: gradient norm, iteration ${i}`);
    }
  }
}

const METHODS = ["fomaml", "maml", "meta-sgd"] as const;

// batchSize 4: the inner steps on the loop's population; 6: compacted to the support set of 3.
for (const method of METHODS) {
  for (const batchSize of [4, 6]) {
    Deno.test(`CpuMetaLoop: ${method} leaves out tasks whose query samples hold a NaN (batch ${batchSize})`, async () => {
      const batch = nanBatch();
      const data = new CpuDataset(batch.dataset);
      const cpu = new CpuBackend();
      const got = await runCalls(
        await cpu.createMetaLoop(specOf(method, 5, batchSize)),
        data,
        batch,
        IDS,
      );
      const want = await runCalls(
        await cpu.createMetaLoop(specOf(method, 3, batchSize)),
        data,
        batch,
        HEALTHY,
      );
      assertHealthyUpdate(got, want, method, { alpha: method === "meta-sgd" });
    });
  }
  gpuTest(
    `GpuMetaLoop: ${method} leaves out tasks whose query samples hold a NaN, as CpuMetaLoop`,
    async (ctx) => {
      const batch = nanBatch();
      const want = await runCalls(
        await new CpuBackend().createMetaLoop(specOf(method, 3, 4)),
        new CpuDataset(batch.dataset),
        batch,
        HEALTHY,
      );
      const gpu = await GpuBackend.create(ctx);
      const data = gpu.uploadDataset(batch.dataset);
      const loop = await directGpuLoop(ctx, gpu, specOf(method, 5, 4), { iterationsPerSubmit: 2 });
      const got = await runCalls(loop, data, batch, IDS);
      data.destroy();
      const o = { alpha: method === "meta-sgd", atol: 1e-5, rtol: 1e-4 };
      assertHealthyUpdate(got, want, `gpu ${method}`, o);
    },
  );
}

// The factored loop (FOMAML): lowrank_outer and its twin apply the same rule to the query loss.
const LOWRANK: MetaLoopSpec = { ...specOf("fomaml", 5, 3), widths: [8, 12, 3] };

Deno.test("CpuLowrankLoop: fomaml leaves out tasks whose query samples hold a NaN, as CpuMetaLoop", async () => {
  const batch = nanBatch(8);
  const data = new CpuDataset(batch.dataset);
  const want = await runCalls(perModelLoop({ ...LOWRANK, metaBatch: 3 }), data, batch, HEALTHY);
  const per = await runCalls(perModelLoop(LOWRANK), data, batch, IDS);
  assertHealthyUpdate(per, want, "per-model");
  const got = await runCalls(new CpuLowrankLoop(LOWRANK), data, batch, IDS);
  assertHealthyUpdate(got, want, "lowrank", { atol: 1e-5, rtol: 1e-4 });
});

gpuTest(
  "GpuLowrankLoop: fomaml leaves out tasks whose query samples hold a NaN, as CpuMetaLoop",
  async (ctx) => {
    const batch = nanBatch(8);
    const want = await runCalls(
      perModelLoop({ ...LOWRANK, metaBatch: 3 }),
      new CpuDataset(batch.dataset),
      batch,
      HEALTHY,
    );
    const gpu = await GpuBackend.create(ctx);
    const loop = await gpu.createMetaLoop({ ...LOWRANK, lowrank: true });
    assert.ok(loop instanceof GpuLowrankLoop, "GpuBackend runs the factored loop when asked");
    const data = gpu.uploadDataset(batch.dataset);
    const got = await runCalls(loop, data, batch, IDS);
    data.destroy();
    assertHealthyUpdate(got, want, "gpu lowrank", { atol: 1e-5, rtol: 1e-4 });
  },
);
