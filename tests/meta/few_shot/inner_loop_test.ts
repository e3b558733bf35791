/**
 * InnerLoop.curve runs many models as populations of at most `curveChunk(P)` models one after the
 * other (the parameters of 600 meta-test models of a 196-256-256-5 network took 1.2 GB in one
 * population): each model's numbers are the same as in one population of P, whether it starts from
 * given parameters with per-model rates or from a seeded init.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import type { Backend } from "../../../learners/backend.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { type AdaptCurve, EpisodePool, InnerLoop } from "../../../meta/few_shot/mod.ts";
import { gpuTest } from "../../helpers.ts";
import { family } from "../../learners/meta_train/_family.ts";

const NET = { widths: [6, 9, 3], batchSize: 3 };
const STRIDE = mlpLayout({ size: 1, ...NET }).stride;

/** The curves of 13 models (episodes with label maps) in one population and in chunks of 5. */
async function curves(backend: Backend, seeded: boolean): Promise<[AdaptCurve, AdaptCurve]> {
  const pool = new EpisodePool(backend, family(6, 3), 5, 20);
  const rng = new Rng(9);
  const ids = Uint32Array.from({ length: 13 }, () => rng.int(20));
  const params = seeded
    ? null
    : Float32Array.from({ length: 13 * STRIDE }, () => 0.5 * rng.normal());
  const lr = seeded ? 0.3 : Float64Array.from({ length: 13 }, () => rng.range(0.1, 0.6));
  const o = { lr, steps: 3, seed: 4 };
  const whole = new InnerLoop(backend, NET);
  const split = new InnerLoop(backend, NET, { curveParamBytes: 5 * STRIDE * 4 });
  assert.equal(whole.curveChunk(13), 13);
  assert.equal(split.curveChunk(13), 5);
  const out: [AdaptCurve, AdaptCurve] = [
    await whole.curve(pool, ids, params, o),
    await split.curve(pool, ids, params, o),
  ];
  whole.destroy();
  split.destroy();
  pool.destroy();
  return out;
}

for (const seeded of [false, true]) {
  const what = seeded ? "a seeded init" : "given parameters and per-model rates";
  const check = ([whole, split]: [AdaptCurve, AdaptCurve]) => {
    assert.equal(split.accuracy.length, 4);
    assert.deepEqual(split, whole);
    assert.ok(whole.loss[3]!.some((l, p) => l !== whole.loss[0]![p]), "the steps moved the loss");
  };
  Deno.test(`InnerLoop.curve in chunks of 5 equals one population of 13 from ${what} (CPU)`, async () => {
    check(await curves(new CpuBackend(), seeded));
  });
  gpuTest(
    `InnerLoop.curve in chunks of 5 equals one population of 13 from ${what} (GPU)`,
    async (ctx) => {
      check(await curves(await GpuBackend.create(ctx), seeded));
    },
  );
}

Deno.test("InnerLoop.curveChunk splits 600 meta-test models of 196-256-256-5 into 3 of 200", () => {
  const loop = new InnerLoop(new CpuBackend(), { widths: [196, 256, 256, 5], batchSize: 5 });
  assert.equal(loop.curveChunk(600), 200);
  assert.equal(loop.curveChunk(200), 200);
  assert.equal(new InnerLoop(new CpuBackend(), NET).curveChunk(600), 600);
});
