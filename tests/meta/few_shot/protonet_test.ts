/**
 * The ProtoNet meta-learner on the CPU backend: meta-training on a small synthetic family lowers
 * the query loss of held-out episodes, and `evaluate` returns the same value at every inner step
 * count; on the GPU backend (the kernel on hardware, the host twin on a software adapter) it
 * trains to the same theta.
 */
import assert from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { SyntheticClassification } from "../../../learners/tasks/synthetic_classification.ts";
import { EpisodePool, initialTheta, InnerLoop, ProtoNet } from "../../../meta/few_shot/mod.ts";
import { assertClose, gpuTest } from "../../helpers.ts";

const FAMILY = new SyntheticClassification({
  inputs: 8,
  ways: 3,
  shots: 1,
  queryPerClass: 3,
  hidden: 8,
  latentDim: 4,
});

function mean(a: Float32Array): number {
  return a.reduce((s, x) => s + x, 0) / a.length;
}

Deno.test("ProtoNet meta-training lowers the held-out query loss (CPU backend)", async () => {
  const backend = new CpuBackend();
  const loop = new InnerLoop(backend, { widths: [8, 16, 3], batchSize: 6 });
  const pool = new EpisodePool(backend, FAMILY, 11, 200);
  const val = new EpisodePool(backend, FAMILY, 12, 40);
  const ids = Uint32Array.from({ length: val.size }, (_, i) => i);
  const l = new ProtoNet(loop, await initialTheta(loop, 1), {
    innerLr: 0.1,
    innerSteps: 1,
    metaLr: 0.01,
  });
  const before = await l.evaluate(val, ids, 2);
  assert.equal(before.loss.length, 3);
  assert.deepEqual(before.loss[0], before.loss[2]);
  assert.deepEqual(before.accuracy[0], before.accuracy[1]);
  const r = await l.train(pool, { iterations: 150, metaBatch: 8, seed: 4, validateEvery: 50 });
  const after = await l.evaluate(val, ids, 1);
  const [l0, l1] = [mean(before.loss[0]!), mean(after.loss[0]!)];
  const [a0, a1] = [mean(before.accuracy[0]!), mean(after.accuracy[0]!)];
  console.log(
    `protonet held-out query loss ${l0.toFixed(3)} -> ${l1.toFixed(3)}, accuracy ${
      a0.toFixed(3)
    } -> ${a1.toFixed(3)}`,
  );
  assert.ok(l1 < 0.9 * l0, `query loss ${l0} -> ${l1}`);
  assert.ok(r.rows.every((row) => Number.isFinite(row.query_loss!)));
});

gpuTest(
  "ProtoNet trains to the same theta on the GPU backend as on the CPU backend",
  async (ctx) => {
    const thetas: Float32Array[] = [];
    for (const backend of [new CpuBackend(), await GpuBackend.create(ctx)]) {
      const loop = new InnerLoop(backend, { widths: [8, 10, 3], batchSize: 6 });
      const pool = new EpisodePool(backend, FAMILY, 11, 30);
      const l = new ProtoNet(loop, await initialTheta(loop, 1), {
        innerLr: 0.1,
        innerSteps: 1,
        metaLr: 0.01,
      });
      await l.train(pool, { iterations: 6, metaBatch: 4, seed: 4, validateEvery: 3 });
      thetas.push(l.theta);
    }
    assertClose(thetas[1]!, thetas[0]!, { atol: 1e-5, rtol: 1e-4, what: "theta" });
  },
);
