/**
 * `runUnroll` with `taskRange`: the parts of an unroll, run apart (as the l2o cluster jobs run
 * them), give exactly the models of the whole unroll: same loss and gradient-norm curves, the same
 * divergence and query metrics, on the CPU backend and on the GPU.
 */
import assert from "node:assert/strict";
import type { Backend } from "../../learners/backend.ts";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import { GpuBackend } from "../../learners/gpu/gpu_backend.ts";
import { LEARNED_STRIDE } from "../../learners/optimizers/knobs.ts";
import { initialLearnedWeights, packLearnedRow } from "../../meta/learned_optimizer.ts";
import { runUnroll, type UnrollOptions } from "../../meta/learned_optimizer_unroll.ts";
import { gpuTest } from "../helpers.ts";
import { FAMILY } from "./_learned_optimizer_fixture.ts";

const TASKS = 3;
const COPIES = 4;

/** Options of an unroll of 3 tasks x 4 copies, each copy with its own learned rows. */
function options(): UnrollOptions {
  const P = TASKS * COPIES;
  const learned = new Float32Array(P * LEARNED_STRIDE);
  for (let p = 0; p < P; p++) {
    packLearnedRow(
      initialLearnedWeights(100 + (p % COPIES), 0.5),
      undefined,
      learned.subarray(p * LEARNED_STRIDE),
    );
  }
  return {
    copies: COPIES,
    knobs: Array.from(
      { length: P },
      (_, p) => ({ optimizer: "learned", lr: 0.05 + 0.3 * (p % 3), momentum: 0.9, horizon: 20 }),
    ),
    learned,
    steps: 17,
    every: 5,
    seed: 29,
    model: { hidden: [8], activation: "relu", batchSize: 8 },
  };
}

/** Runs the whole unroll and its parts [0, 1), [1, 3); asserts the parts, joined, equal it. */
async function assertPartsEqualWhole(backend: Backend): Promise<void> {
  const tasks = FAMILY.sampleEpisodes(41, TASKS);
  const o = options();
  const whole = await runUnroll(backend, tasks, o);
  const parts = [];
  for (const [a, b] of [[0, 1], [1, 3]] as const) {
    parts.push(
      await runUnroll(backend, tasks, {
        ...o,
        knobs: o.knobs.slice(a * COPIES, b * COPIES),
        learned: o.learned!.slice(a * COPIES * LEARNED_STRIDE, b * COPIES * LEARNED_STRIDE),
        taskRange: [a, b],
      }),
    );
  }
  assert.deepEqual(parts[0]!.x, whole.x);
  assert.deepEqual(parts.flatMap((r) => r.loss), whole.loss);
  assert.deepEqual(parts.flatMap((r) => r.gradNorm), whole.gradNorm);
  assert.deepEqual(parts.flatMap((r) => [...r.diverged]), [...whole.diverged]);
  assert.deepEqual(parts.flatMap((r) => [...r.queryLoss]), [...whole.queryLoss]);
  assert.deepEqual(parts.flatMap((r) => [...r.queryAccuracy]), [...whole.queryAccuracy]);
  // The models differ between tasks and between copies: the comparison is not of equal rows.
  assert.notDeepEqual(whole.loss[0], whole.loss[COPIES]);
  assert.notDeepEqual(whole.loss[0], whole.loss[1]);
}

Deno.test("runUnroll() parts by taskRange equal the whole unroll on the cpu backend", async () => {
  await assertPartsEqualWhole(new CpuBackend());
});

gpuTest("runUnroll() parts by taskRange equal the whole unroll on the gpu backend", async (ctx) => {
  await assertPartsEqualWhole(await GpuBackend.create(ctx));
});

Deno.test("runUnroll() rejects a taskRange outside the batch", async () => {
  const tasks = FAMILY.sampleEpisodes(41, TASKS);
  await assert.rejects(
    () => runUnroll(new CpuBackend(), tasks, { ...options(), taskRange: [2, 4] }),
    /taskRange/,
  );
});

/**
 * A copy's run does not depend on how many copies run beside it: copy 1 of a 4-copy unroll (as a
 * method in a wider comparison or tuning grid) equals the only copy of an unroll with its knobs and
 * learned row alone. Before, task t started from the init of model t * copies, so widening a grid
 * changed every method's inits.
 */
async function assertCopiesFree(backend: Backend): Promise<void> {
  const tasks = FAMILY.sampleEpisodes(41, TASKS);
  const o = options();
  const whole = await runUnroll(backend, tasks, o);
  const pick = (p: number) => p * COPIES + 1;
  const alone = await runUnroll(backend, tasks, {
    ...o,
    copies: 1,
    knobs: Array.from({ length: TASKS }, (_, t) => o.knobs[pick(t)]!),
    learned: Float32Array.from(
      { length: TASKS * LEARNED_STRIDE },
      (_, i) =>
        o.learned![pick(Math.floor(i / LEARNED_STRIDE)) * LEARNED_STRIDE + i % LEARNED_STRIDE]!,
    ),
  });
  for (let t = 0; t < TASKS; t++) {
    assert.deepEqual(alone.loss[t], whole.loss[pick(t)]);
    assert.equal(alone.queryLoss[t], whole.queryLoss[pick(t)]);
  }
}

Deno.test("runUnroll(): a copy's run does not depend on the copies beside it (cpu)", async () => {
  await assertCopiesFree(new CpuBackend());
});

gpuTest("runUnroll(): a copy's run does not depend on the copies beside it (gpu)", async (ctx) => {
  await assertCopiesFree(await GpuBackend.create(ctx));
});
