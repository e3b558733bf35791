/**
 * The ProtoNet meta-learner on the CPU backend: meta-training on a small synthetic family lowers
 * the query loss of held-out episodes, and `evaluate` returns the same value at every inner step
 * count; on the GPU backend (the kernel on hardware, the host twin on a software adapter) it
 * trains to the same theta; `evaluate` scores with the learner's distance (cosine here), as the
 * twin does.
 */
import assert from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import {
  PROTONET_STATS,
  type ProtonetDistance,
  protonetGradCpu,
} from "../../../learners/meta_train/mod.ts";
import { METRIC_STRIDE } from "../../../learners/metrics_row.ts";
import { SyntheticClassification } from "../../../learners/tasks/synthetic_classification.ts";
import { ConfigError, parseConfig } from "../../../core/config_schema.ts";
import { META_SCHEMA } from "../../../meta/few_shot/config.ts";
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

Deno.test("ProtoNet evaluates with its own distance (cosine), as the twin scores it", async () => {
  const backend = new CpuBackend();
  const loop = new InnerLoop(backend, { widths: [8, 16, 3], batchSize: 6 });
  const val = new EpisodePool(backend, FAMILY, 12, 40);
  const ids = Uint32Array.from({ length: val.size }, (_, i) => i);
  const theta = await initialTheta(loop, 1);
  const knobs = { innerLr: 0.1, innerSteps: 1, metaLr: 0.01 };
  const cosine: ProtonetDistance = { kind: "cosine", scale: 5 };
  const l = new ProtoNet(loop, theta, { ...knobs, distance: cosine });
  assert.deepEqual(l.distance, cosine);
  const got = await l.evaluate(val, ids, 0);
  const P = ids.length;
  const twin = (distance?: ProtonetDistance) => {
    const stats = new Float32Array(P * PROTONET_STATS);
    protonetGradCpu(
      loop.layout,
      l.theta,
      {
        episodes: val.batch,
        data: val.batch.dataset,
        ids,
        idsOffset: 0,
      },
      P,
      {
        grads: new Float32Array(P * loop.layout.stride),
        metrics: new Float32Array(P * METRIC_STRIDE),
        stats,
      },
      distance,
    );
    return Array.from({ length: P }, (_, p) => stats[p * PROTONET_STATS]!);
  };
  assertClose(got.loss[0]!, Float32Array.from(twin(cosine)), {
    atol: 1e-6,
    rtol: 1e-5,
    what: "cosine query loss",
  });
  const euclid = await new ProtoNet(loop, theta, knobs).evaluate(val, ids, 0);
  assertClose(euclid.loss[0]!, Float32Array.from(twin()), {
    atol: 1e-6,
    rtol: 1e-5,
    what: "Euclidean query loss",
  });
  assert.notDeepEqual(got.loss[0], euclid.loss[0]);
});

Deno.test("meta config: protonet defaults to cosine at scale 5 on the linear embedding and names a bad field", () => {
  assert.deepEqual(parseConfig(META_SCHEMA, {}).protonet, {
    kind: "cosine",
    scale: 5,
    embedding: "linear",
  });
  const euclid = parseConfig(META_SCHEMA, { protonet: { kind: "euclidean", scale: 1 } });
  assert.deepEqual(euclid.protonet, { kind: "euclidean", scale: 1, embedding: "linear" });
  const relu = parseConfig(META_SCHEMA, { protonet: { embedding: "activation" } });
  assert.deepEqual(relu.protonet, { kind: "cosine", scale: 5, embedding: "activation" });
  assert.throws(
    () => parseConfig(META_SCHEMA, { protonet: { kind: "manhattan" } }, "x.json"),
    (e: Error) => e instanceof ConfigError && /"protonet.kind"/.test(e.message),
  );
  assert.throws(
    () => parseConfig(META_SCHEMA, { protonet: { scale: 0 } }, "x.json"),
    (e: Error) => e instanceof ConfigError && /"protonet.scale"/.test(e.message),
  );
  assert.throws(
    () => parseConfig(META_SCHEMA, { protonet: { embedding: "relu" } }, "x.json"),
    (e: Error) => e instanceof ConfigError && /"protonet.embedding"/.test(e.message),
  );
});
