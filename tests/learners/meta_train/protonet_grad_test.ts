/**
 * The ProtoNet kernel (shaders/protonet_grad.wgsl) against its twin protonetGradCpu on seeded
 * problems: relu with two hidden layers and tanh with one, each distance (Euclidean at scale 1
 * and 0.25, cosine, dot product), the activation and the linear embedding, model counts that are not multiples of the workgroup size (3, 5,
 * 37, 65, 70), a label map, and one episode whose class has no support sample (quarantined by
 * both); the GPU meta loop with a cosine distance against the CPU loop.
 */
import { createStorageBuffer, createStorageBufferFrom, readF32 } from "../../../core/buffers.ts";
import assert from "node:assert/strict";
import type { Backend } from "../../../learners/backend.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import {
  createGpuMetaLoop,
  dispatchMetaKernel,
  EUCLIDEAN,
  loopShape,
  type MetaLoop,
  type MetaLoopSpec,
  PROTONET_GRAD,
  PROTONET_STATS,
  protonetGradCpu,
  protonetGradRun,
  protonetLoopIterations,
  protonetScratchFloats,
} from "../../../learners/meta_train/mod.ts";
import { METRIC_STRIDE } from "../../../learners/metrics_row.ts";
import { episodeClasses } from "../../../learners/tasks/episode_classes.ts";
import { LOOP_BUDGET } from "../../../learners/mlp/loop_budget.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { protonetProblem } from "./_protonet_problem.ts";

const CASES = [
  { widths: [5, 9, 7, 3], activation: "relu", models: 3, shots: 2, queries: 5, dist: EUCLIDEAN },
  { widths: [6, 13, 3], activation: "tanh", models: 70, shots: 1, queries: 7, dist: EUCLIDEAN },
  {
    widths: [5, 9, 7, 3],
    activation: "relu",
    models: 37,
    shots: 2,
    queries: 5,
    dist: { kind: "cosine", scale: 7.5 },
  },
  {
    widths: [6, 13, 3],
    activation: "tanh",
    models: 70,
    shots: 1,
    queries: 7,
    dist: { kind: "cosine", scale: 10 },
  },
  {
    widths: [6, 11, 3],
    activation: "tanh",
    models: 5,
    shots: 1,
    queries: 4,
    dist: { kind: "dot", scale: 0.3 },
  },
  {
    widths: [5, 9, 7, 3],
    activation: "relu",
    models: 65,
    shots: 1,
    queries: 5,
    dist: { kind: "euclidean", scale: 0.25 },
  },
  {
    widths: [5, 9, 7, 3],
    activation: "relu",
    models: 37,
    shots: 2,
    queries: 5,
    dist: { kind: "cosine", scale: 7.5, embedding: "linear" },
  },
  {
    widths: [6, 13, 3],
    activation: "tanh",
    models: 5,
    shots: 1,
    queries: 7,
    dist: { kind: "euclidean", scale: 0.5, embedding: "linear" },
  },
] as const;

for (const c of CASES) {
  const embedding = "embedding" in c.dist ? c.dist.embedding : "activation";
  const dist = `${c.dist.kind} scale ${c.dist.scale}, ${embedding} embedding`;
  gpuTest(
    `protonet_grad matches protonetGradCpu (${c.activation}, ${dist}, models=${c.models})`,
    async (ctx) => {
      const { L, episodes, data, theta, rng } = protonetProblem(c.models, {
        widths: [...c.widths],
        activation: c.activation,
        episodes: 9,
        shots: c.shots,
        queries: c.queries,
      });
      // Episode 4 loses the label of its class 1: no prototype, an infinite loss, quarantined.
      episodes.labelMap![4 * 6 + 5] = 0xffffffff;
      const P = c.models;
      const ids = Uint32Array.from({ length: P + 2 }, () => rng.int(episodes.episodes));
      ids[3] = 4;
      const shape = {
        models: P,
        supportSize: episodes.supportSize,
        querySize: episodes.querySize,
        ways: episodes.ways,
        classWidth: episodes.ways,
        targetWidth: 1,
        idsOffset: 2,
      };
      const want = {
        grads: new Float32Array(P * L.stride),
        metrics: new Float32Array(P * METRIC_STRIDE),
        stats: new Float32Array(P * PROTONET_STATS),
      };
      protonetGradCpu(L, theta, { episodes, data, ids, idsOffset: 2 }, P, want, c.dist);
      const f = (a: Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>, label: string) =>
        createStorageBufferFrom(ctx, a, label);
      const b = {
        x: f(data.x, "x"),
        y: f(data.y, "y"),
        support: f(episodes.support, "s"),
        query: f(episodes.query, "q"),
        classes: f(episodeClasses(episodes)!, "c"),
        ids: f(ids, "ids"),
        theta: f(theta, "t"),
        grads: f(new Float32Array(P * L.stride).fill(7), "g"),
        metrics: createStorageBuffer(ctx, want.metrics.byteLength, "m"),
        stats: createStorageBuffer(ctx, want.stats.byteLength, "st"),
        scratch: createStorageBuffer(ctx, P * protonetScratchFloats(L, shape) * 4, "sc"),
      };
      await dispatchMetaKernel(ctx, PROTONET_GRAD, protonetGradRun(L, b, shape, c.dist));
      const tol = { atol: 2e-5, rtol: 2e-4 };
      const [g, m, s] = await Promise.all([
        readF32(ctx, b.grads),
        readF32(ctx, b.metrics),
        readF32(ctx, b.stats),
      ]);
      // The quarantined episode's row is not finite on either side: compare the healthy rows.
      const healthy = (a: Float32Array, w: number) =>
        a.filter((_, i) => want.metrics[Math.floor(i / w) * METRIC_STRIDE + 2] === 0);
      assertClose(healthy(g, L.stride), healthy(want.grads, L.stride), { ...tol, what: "grads" });
      assertClose(healthy(m, METRIC_STRIDE), healthy(want.metrics, METRIC_STRIDE), {
        ...tol,
        what: "metrics",
      });
      assertClose(healthy(s, PROTONET_STATS), healthy(want.stats, PROTONET_STATS), {
        ...tol,
        what: "stats",
      });
      for (let p = 0; p < P; p++) {
        const q = m[p * METRIC_STRIDE + 2];
        if (q !== want.metrics[p * METRIC_STRIDE + 2]) {
          throw new Error(`model ${p} quarantine ${q}`);
        }
      }
      if (want.metrics[1 * METRIC_STRIDE + 2] !== 1) {
        throw new Error("episode 4 should be quarantined");
      }
      for (const x of Object.values(b)) x.destroy();
    },
  );
}

gpuTest(
  "GpuMetaLoop refuses protonet shapes past the software driver's loop limit, all loops counted",
  async (ctx) => {
    // 9 samples: the forward pass's loops alone run under LOOP_BUDGET (the old bound, the busiest
    // loop, let it run), all loops together run past 65,535. Measured on lavapipe 2026-12-03:
    // the kernel at this shape returned 8,255 of 43,552 gradient entries unlike the twin.
    const { L, episodes } = protonetProblem(1, {
      widths: [16, 64, 64, 3],
      activation: "relu",
      episodes: 2,
      shots: 1,
      queries: 6,
    });
    const shape = {
      models: 2,
      supportSize: episodes.supportSize,
      querySize: episodes.querySize,
      ways: 3,
      classWidth: 3,
      targetWidth: 1,
      idsOffset: 0,
    };
    const forwardInner = 9 * (64 * 17 + 64 * 65);
    assert.ok(forwardInner < LOOP_BUDGET);
    // The backward pass runs the same products again, plus the rest of the kernel.
    const loops = protonetLoopIterations(L, shape);
    assert.ok(loops > 2 * forwardInner && loops > 65_535, `${loops}`);
    const gpu = await GpuBackend.create(ctx);
    const spec = {
      method: "protonet" as const,
      widths: L.widths,
      batchSize: 4,
      metaBatch: 2,
      innerSteps: 1,
      innerLr: 0.1,
      metaLr: 0.01,
    };
    const loop = await createGpuMetaLoop(
      ctx,
      gpu.createPopulation({ size: 2, ...loopShape(spec) }),
      spec,
    );
    const gd = gpu.uploadDataset(episodes.dataset);
    const run = () => loop.run(episodes, gd, Uint32Array.from([0, 1]));
    if (ctx.software) {
      assert.throws(run, new RegExp(`software adapter as one episode needs up to ${loops} loop`));
    } else run();
    loop.destroy();
    gd.destroy();
  },
);

gpuTest(
  "GpuMetaLoop with a cosine distance matches CpuMetaLoop over 3 protonet iterations",
  async (ctx) => {
    const { L, episodes, rng } = protonetProblem(8, {
      widths: [5, 9, 7, 3],
      activation: "relu",
      episodes: 9,
      shots: 1,
      queries: 4,
    });
    const spec: MetaLoopSpec = {
      method: "protonet",
      widths: L.widths,
      batchSize: 4,
      metaBatch: 5,
      innerSteps: 1,
      innerLr: 0.1,
      metaLr: 0.02,
      distance: { kind: "cosine", scale: 8 },
    };
    const ids = Uint32Array.from({ length: 15 }, () => rng.int(9));
    const theta = Float32Array.from({ length: L.stride }, () => 0.5 * rng.normal());
    const run = async (backend: Backend, loop: MetaLoop) => {
      const data = backend.uploadDataset(episodes.dataset);
      loop.write({ theta: theta.slice(), moments: new Float32Array(2 * L.stride), t: 0 });
      loop.run(episodes, data, ids);
      const r = await loop.read();
      loop.destroy();
      data.destroy();
      return r;
    };
    const cpu = new CpuBackend();
    const want = await run(cpu, await cpu.createMetaLoop(spec));
    const euclid = await run(cpu, await cpu.createMetaLoop({ ...spec, distance: EUCLIDEAN }));
    const gpu = await GpuBackend.create(ctx);
    const pop = gpu.createPopulation({ size: 5, ...loopShape(spec) });
    const got = await run(gpu, await createGpuMetaLoop(ctx, pop, spec));
    const tol = { atol: 1e-5, rtol: 1e-4 };
    assertClose(got.state.theta, want.state.theta, { ...tol, what: "theta" });
    assertClose(got.stats!, want.stats!, { ...tol, what: "stats" });
    assertClose(got.log, want.log, { atol: 1e-5, rtol: 1e-3, what: "log" });
    // The distance reached the twin: the Euclidean loop's statistics differ.
    assert.notDeepEqual(euclid.stats, want.stats);
    pop.destroy();
  },
);
