/**
 * InnerLoop.adapt and InnerLoop.curve run many models as populations of at most `chunkSize(P)`
 * models one after the other (the parameters of 600 meta-test models of a 196-256-256-5 network took
 * 1.2 GB in one population): each model's numbers are the same as in one population of P, whether it
 * starts from given parameters with per-model rates, from a seeded init or from one shared row,
 * and a shared row is tiled for one chunk only, never for all P models.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import type { Backend } from "../../../learners/backend.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import {
  type AdaptCurve,
  EpisodePool,
  evaluateInit,
  InnerLoop,
  type StartParams,
  tileParams,
  validateAdapted,
} from "../../../meta/few_shot/mod.ts";
import { gpuTest } from "../../helpers.ts";
import { family } from "../../learners/meta_train/_family.ts";
import { ParamWrites } from "./_param_writes.ts";

const NET = { widths: [6, 9, 3], batchSize: 3 };
const STRIDE = mlpLayout({ size: 1, ...NET }).stride;
const P = 13;
/** Bytes of 5 models' parameters: InnerLoop splits 13 models into chunks of 5, 5 and 3. */
const FIVE = 5 * STRIDE * 4;

type Start = "table" | "seeded" | "tiled";

/** 13 episode ids of a 20-episode pool (label maps on), the start rows and per-model rates. */
function inputs(backend: Backend, start: Start) {
  const pool = new EpisodePool(backend, family(6, 3), 5, 20);
  const rng = new Rng(9);
  const ids = Uint32Array.from({ length: P }, () => rng.int(20));
  const theta = Float32Array.from({ length: STRIDE }, () => 0.5 * rng.normal());
  const table = Float32Array.from({ length: P * STRIDE }, () => 0.5 * rng.normal());
  const params: StartParams = start === "table"
    ? table
    : start === "tiled"
    ? { tile: theta }
    : null;
  const lr = start === "seeded" ? 0.3 : Float64Array.from({ length: P }, () => rng.range(0.1, 0.6));
  return { pool, ids, theta, params, lr };
}

/** The curves of 13 models in one population and in chunks of 5. */
async function curves(backend: Backend, start: Start): Promise<[AdaptCurve, AdaptCurve]> {
  const { pool, ids, params, lr } = inputs(backend, start);
  const o = { lr, steps: 3, seed: 4 };
  const whole = new InnerLoop(backend, NET);
  const split = new InnerLoop(backend, NET, { chunkParamBytes: FIVE });
  assert.equal(whole.chunkSize(P), P);
  assert.equal(split.chunkSize(P), 5);
  const out: [AdaptCurve, AdaptCurve] = [
    await whole.curve(pool, ids, params, o),
    await split.curve(pool, ids, params, o),
  ];
  whole.destroy();
  split.destroy();
  pool.destroy();
  return out;
}

/**
 * Per-model steps: the last chunk's models take no step while the call's largest count is 3 (they
 * still idle to step 3, so their query gradients read the query slot as in one population).
 */
const STEPS = [3, 1, 2, 0, 3, 2, 2, 1, 0, 3, 0, 0, 0];

/**
 * Adapted parameters and query gradients of 13 models (per-model steps, query slot) in one
 * population and in chunks of 5, concatenated; with the chunks' first models and sizes.
 */
async function adapted(backend: Backend, start: Start) {
  const { pool, ids, params, lr } = inputs(backend, start);
  const run = async (loop: InnerLoop) => {
    const parts = await loop.adapt(
      pool,
      ids,
      params,
      { lr, steps: STEPS, querySlot: true, seed: 4 },
      async ({ pop, first }) => ({
        first,
        size: pop.layout.size,
        params: Float32Array.from(await pop.readParams()),
        grads: Float32Array.from((await pop.gradients(pool.data)).grads),
      }),
    );
    loop.destroy();
    const join = (pick: (x: (typeof parts)[number]) => Float32Array) => {
      const out = new Float32Array(P * STRIDE);
      for (const x of parts) out.set(pick(x), x.first * STRIDE);
      return out;
    };
    return {
      chunks: parts.map((x) => [x.first, x.size]),
      params: join((x) => x.params),
      grads: join((x) => x.grads),
    };
  };
  const whole = await run(new InnerLoop(backend, NET));
  const split = await run(new InnerLoop(backend, NET, { chunkParamBytes: FIVE }));
  pool.destroy();
  return { whole, split };
}

for (const start of ["table", "seeded", "tiled"] as const) {
  const what = {
    table: "given parameters and per-model rates",
    seeded: "a seeded init",
    tiled: "one shared row and per-model rates",
  }[start];
  const checkCurves = ([whole, split]: [AdaptCurve, AdaptCurve]) => {
    assert.equal(split.accuracy.length, 4);
    assert.deepEqual(split, whole);
    assert.ok(whole.loss[3]!.some((l, p) => l !== whole.loss[0]![p]), "the steps moved the loss");
  };
  const checkAdapted = ({ whole, split }: Awaited<ReturnType<typeof adapted>>) => {
    assert.deepEqual(whole.chunks, [[0, 13]]);
    assert.deepEqual(split.chunks, [[0, 5], [5, 5], [10, 3]]);
    assert.deepEqual(split.params, whole.params);
    assert.deepEqual(split.grads, whole.grads);
    assert.ok(whole.grads.some((g) => g !== 0), "the query gradients are not all zero");
  };
  Deno.test(`InnerLoop.curve in chunks of 5 equals one population of 13 from ${what} (CPU)`, async () => {
    checkCurves(await curves(new CpuBackend(), start));
  });
  Deno.test(`InnerLoop.adapt in chunks of 5 equals one population of 13 from ${what} (CPU)`, async () => {
    checkAdapted(await adapted(new CpuBackend(), start));
  });
  gpuTest(
    `InnerLoop.curve in chunks of 5 equals one population of 13 from ${what} (GPU)`,
    async (ctx) => {
      checkCurves(await curves(await GpuBackend.create(ctx), start));
    },
  );
  gpuTest(
    `InnerLoop.adapt in chunks of 5 equals one population of 13 from ${what} (GPU)`,
    async (ctx) => {
      checkAdapted(await adapted(await GpuBackend.create(ctx), start));
    },
  );
}

Deno.test("evaluateInit and validateAdapted tile theta per chunk and equal the whole tiled table", async () => {
  const knobs = { innerLr: 0.3, innerSteps: 2, metaLr: 0.1 };
  const results = [];
  for (const chunkParamBytes of [undefined, FIVE]) {
    const backend = new ParamWrites();
    const { pool, ids, theta } = inputs(backend, "tiled");
    const loop = new InnerLoop(backend, NET, { chunkParamBytes });
    const curve = await evaluateInit(loop, theta, knobs, pool, ids, 3);
    const val = await validateAdapted(loop, theta, knobs, { pool, ids, metric: "loss" });
    // The old path: theta tiled for all 13 models, one population.
    const ref = await new InnerLoop(new CpuBackend(), NET).curve(
      pool,
      ids,
      tileParams(theta, P, STRIDE),
      { lr: knobs.innerLr, steps: 3 },
    );
    assert.deepEqual(curve, ref);
    const n = loop.chunkSize(P);
    assert.deepEqual(backend.bytes, new Array(chunkParamBytes ? 6 : 2).fill(n * STRIDE * 4));
    results.push(val);
    loop.destroy();
    pool.destroy();
  }
  assert.ok(Number.isFinite(results[0]!));
  assert.equal(results[1], results[0]);
});

Deno.test("InnerLoop.curve rejects a params table of the wrong length", async () => {
  const { pool, ids } = inputs(new CpuBackend(), "seeded");
  const loop = new InnerLoop(new CpuBackend(), NET);
  await assert.rejects(
    () => loop.curve(pool, ids, new Float32Array(STRIDE * (P - 1)), { lr: 0.1, steps: 1 }),
    new RegExp(
      `params must have P\\*stride = ${P * STRIDE} entries: current value is ${(P - 1) * STRIDE}$`,
    ),
  );
  loop.destroy();
  pool.destroy();
});

Deno.test("InnerLoop.chunkSize splits 600 meta-test models of 196-256-256-5 into 3 of 200", () => {
  const loop = new InnerLoop(new CpuBackend(), { widths: [196, 256, 256, 5], batchSize: 5 });
  assert.equal(loop.chunkSize(600), 200);
  assert.equal(loop.chunkSize(200), 200);
  assert.equal(new InnerLoop(new CpuBackend(), NET).chunkSize(600), 600);
});
