/**
 * The meta loop's own kernels against their CPU twins: meta_gather (gatherEpisodesCpu), the tile
 * copies (tileRows) and meta_log (metaLogCpu), on seeded inputs at sizes that are not multiples of the
 * workgroup size.
 */
import assert from "node:assert/strict";
import {
  createStorageBuffer,
  createStorageBufferFrom,
  readF32,
  readU32,
} from "../../../core/buffers.ts";
import { Rng } from "../../../core/rng.ts";
import { dispatchMetaKernel } from "../../../learners/meta_train/meta_kernel.ts";
import {
  encodeTileCopies,
  esPerturbCpu,
  gatherEpisodesCpu,
  META_ES_PERTURB,
  META_GATHER,
  META_LOG,
  META_SGD_INNER,
  metaEsPerturbRun,
  metaGatherRun,
  metaLogCpu,
  metaLogRun,
  metaSgdInnerCpu,
  metaSgdInnerRun,
  tileRows,
} from "../../../learners/meta_train/mod.ts";
import { episodeClasses } from "../../../learners/tasks/episode_classes.ts";
import type { EpisodeBatch } from "../../../learners/tasks/task_family.ts";
import { randomLabelMaps } from "./_label_maps.ts";
import { assertClose, gpuTest } from "../../helpers.ts";

/**
 * A random episode pool of E episodes over `count` samples with label maps of width W (3 classes
 * per episode, labels in random order, episode 1 with a gap).
 */
function randomEpisodes(rng: Rng, E: number, S: number, Q: number, W: number): EpisodeBatch {
  const count = 50;
  const ints = (n: number, max: number) => Uint32Array.from({ length: n }, () => rng.int(max));
  return {
    dataset: {
      count,
      inputs: 1,
      targetWidth: 1,
      classes: Math.max(W, 1),
      x: new Float32Array(count),
      y: new Float32Array(count),
    },
    episodes: E,
    supportSize: S,
    querySize: Q,
    support: ints(E * S, count),
    query: ints(E * Q, count),
    labelMap: W > 0 ? randomLabelMaps(rng, E, W, { ways: 3, holes: true }) : undefined,
    labelMapWidth: W,
    ways: 3,
  };
}

for (
  const [P, S, Q, W, slots, querySlot] of [
    [1, 1, 2, 0, 1, false],
    [7, 5, 9, 10, 3, true],
    [5, 3, 4, 3001, 1, true],
    [23, 2, 3, 70, 2, false],
  ] as const
) {
  gpuTest(
    `meta_gather matches gatherEpisodesCpu() when models=${P}, labelWidth=${W}, full and incremental`,
    async (ctx) => {
      const rng = new Rng(P * 31 + W);
      const batch = randomEpisodes(rng, 13, S, Q, W);
      const ids = Uint32Array.from({ length: 6 * P }, () => rng.int(13));
      ids[2 * P] = ids[P]!; // model 0 reads the same episode twice in a row
      const shape = { models: P, batchSize: 11, slots, querySlot };
      const rowLen = (slots + (querySlot ? 1 : 0)) * 11;
      const b = {
        ids: createStorageBufferFrom(ctx, ids, "ids"),
        episodes: {
          support: createStorageBufferFrom(ctx, batch.support, "s"),
          query: createStorageBufferFrom(ctx, batch.query, "q"),
          classes: createStorageBufferFrom(ctx, episodeClasses(batch) ?? new Uint32Array(1), "c"),
        },
        batches: createStorageBuffer(ctx, P * rowLen * 4, "b"),
        labelOut: createStorageBuffer(ctx, Math.max(1, P * W) * 4, "lo"),
      };
      await dispatchMetaKernel(ctx, META_GATHER, metaGatherRun(batch, b, shape, P));
      const want = gatherEpisodesCpu(batch, ids, P, shape);
      assert.deepEqual(Array.from(await readU32(ctx, b.batches)), Array.from(want.batches));
      if (W > 0) {
        assert.deepEqual(Array.from(await readU32(ctx, b.labelOut)), Array.from(want.labelMap));
        // The twin's rows are the pool's dense label-map rows of the models' episodes.
        for (let p = 0; p < P; p++) {
          const e = ids[P + p]!;
          const row = batch.labelMap!.subarray(e * W, (e + 1) * W);
          assert.deepEqual(want.labelMap.subarray(p * W, (p + 1) * W), row, `model ${p}`);
        }
      }
      // Incremental: the tables hold chunk k-1's episodes; chunk k rewrites only their classes.
      for (let k = 2; k < 6; k++) {
        await dispatchMetaKernel(
          ctx,
          META_GATHER,
          metaGatherRun(batch, b, shape, k * P, (k - 1) * P),
        );
        const next = gatherEpisodesCpu(batch, ids, k * P, shape);
        assert.deepEqual(Array.from(await readU32(ctx, b.batches)), Array.from(next.batches));
        if (W > 0) {
          const got = Array.from(await readU32(ctx, b.labelOut));
          assert.deepEqual(got, Array.from(next.labelMap), `chunk ${k}`);
        }
      }
    },
  );
}

gpuTest("encodeTileCopies matches tileRows() when models=5, stride=67", async (ctx) => {
  const rng = new Rng(3);
  const theta = Float32Array.from({ length: 67 }, () => rng.normal());
  const b = {
    theta: createStorageBufferFrom(ctx, theta, "t"),
    rows: createStorageBuffer(ctx, 6 * 67 * 4, "r"),
  };
  const enc = ctx.device.createCommandEncoder();
  encodeTileCopies(enc, b, 5, 67);
  ctx.device.queue.submit([enc.finish()]);
  // Rows past `models` stay untouched (zero).
  const want = [...tileRows(theta, 5, 67), ...new Array<number>(67).fill(0)];
  assert.deepEqual(Array.from(await readF32(ctx, b.rows)), want);
});

Deno.test("tileRows writes models rows of theta's first stride floats into out, the rest untouched", () => {
  const rng = new Rng(4);
  const theta = Float32Array.from({ length: 70 }, () => rng.normal());
  const out = new Float32Array(6 * 67).fill(7);
  assert.equal(tileRows(theta, 5, 67, out), out);
  for (let k = 0; k < out.length; k++) {
    assert.equal(out[k], k < 5 * 67 ? theta[k % 67] : 7, `entry ${k}`);
  }
  assert.deepEqual(tileRows(theta, 5, 67), out.subarray(0, 5 * 67));
  assert.throws(() => tileRows(theta.subarray(0, 66), 5, 67), /66 < 67/);
});

for (const [n, P, diff] of [[1, 1, false], [203, 9, true], [1000, 37, false]] as const) {
  gpuTest(`meta_log matches metaLogCpu() when n=${n}, models=${P}, diff=${diff}`, async (ctx) => {
    const rng = new Rng(n + P);
    const metrics = Float32Array.from(
      { length: P * 4 },
      (_, i) => i % 4 === 0 ? rng.uniform() * 3 : 0,
    );
    // Model 2 quarantined; models 3 and 1 not, but with a NaN loss and an infinite gradient norm
    // (a query pass's row): none of the three is healthy (meta_healthy, shaders/_meta_mean.wgsl).
    if (P > 3) (metrics[2 * 4 + 2] = 1, metrics[3 * 4] = NaN, metrics[1 * 4 + 1] = Infinity);
    const a = Float32Array.from({ length: n }, () => rng.normal());
    const bv = Float32Array.from({ length: n }, () => rng.normal());
    const log = new Float32Array(3 * 4);
    const bufs = {
      metrics: createStorageBufferFrom(ctx, metrics, "m"),
      a: createStorageBufferFrom(ctx, a, "a"),
      b: diff ? createStorageBufferFrom(ctx, bv, "b") : null,
      log: createStorageBuffer(ctx, log.byteLength, "log"),
    };
    await dispatchMetaKernel(ctx, META_LOG, metaLogRun(bufs, { n, models: P, row: 2 }));
    metaLogCpu({ metrics, a, b: diff ? bv : null }, { n, models: P, row: 2 }, log);
    assertClose(await readF32(ctx, bufs.log), log, { atol: 1e-6, rtol: 1e-5, what: "log row" });
    if (P > 3) {
      assert.deepEqual([log[2 * 4 + 2], log[2 * 4 + 3]], [P - 3, P - 3], "healthy, losses");
    }
  });
}

gpuTest(
  "meta_sgd_inner matches metaSgdInnerCpu() when models=3, count=70, stride=72",
  async (ctx) => {
    const rng = new Rng(9);
    const s = { models: 3, count: 70, stride: 72 };
    const normals = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
    const grads = normals(3 * 72);
    grads[5] = NaN;
    grads[80] = Infinity;
    const alpha = Float32Array.from({ length: 72 }, () => 0.1 * rng.uniform());
    const rows = normals(3 * 72);
    const sumG = normals(3 * 72);
    const b = {
      grads: createStorageBufferFrom(ctx, grads, "g"),
      alpha: createStorageBufferFrom(ctx, alpha, "a"),
      rows: createStorageBufferFrom(ctx, rows, "r"),
      sumG: createStorageBufferFrom(ctx, sumG, "s"),
    };
    await dispatchMetaKernel(ctx, META_SGD_INNER, metaSgdInnerRun(b, s));
    metaSgdInnerCpu({ grads, alpha, rows, sumG }, s);
    assertClose(await readF32(ctx, b.rows), rows, { atol: 1e-6, rtol: 1e-5, what: "rows" });
    assertClose(await readF32(ctx, b.sumG), sumG, { atol: 1e-6, rtol: 1e-5, what: "sumG" });
  },
);

gpuTest("meta_es_perturb matches esPerturbCpu() when pairs=5, count=61, stride=64", async (ctx) => {
  const rng = new Rng(12);
  const theta = Float32Array.from({ length: 64 }, (_, i) => i < 61 ? rng.normal() : 0);
  const o = { pairs: 5, count: 61, stride: 64, seed: 77, stream: 3, c1: 9, sigma: 0.05 };
  const b = {
    theta: createStorageBufferFrom(ctx, theta, "t"),
    rows: createStorageBuffer(ctx, 2 * 5 * 64 * 4, "r"),
    noise: createStorageBuffer(ctx, 5 * 61 * 4, "n"),
  };
  await dispatchMetaKernel(ctx, META_ES_PERTURB, metaEsPerturbRun(b, o));
  const want = esPerturbCpu(theta, o);
  assertClose(await readF32(ctx, b.noise), want.noise, { atol: 1e-5, rtol: 1e-4, what: "noise" });
  assertClose(await readF32(ctx, b.rows), want.rows, { atol: 1e-6, rtol: 1e-5, what: "rows" });
  assert.ok(Math.abs(want.noise.reduce((a, x) => a + x * x, 0) / want.noise.length - 1) < 0.2);
});
