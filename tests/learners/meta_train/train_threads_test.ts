/**
 * The train step split between threads (learners/meta_train/train_threads.ts): the same numbers bit
 * for bit as one thread, in update and gradient mode, on a population whose model count does not
 * divide evenly, with a quarantined model; second-order MAML's H v step likewise, with a label map
 * and a model whose support batch holds a NaN; and the CPU meta loop of every gradient method with 2
 * threads equals it with 1 (theta, moments, alpha and log rows, compacted and not).
 */
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { Rng } from "../../../core/rng.ts";
import { CpuPopulation } from "../../../learners/cpu_backend.ts";
import type { MetaLoopMethod, MetaLoopReadout } from "../../../learners/meta_train/meta_loop.ts";
import {
  hvpStepThreaded,
  startTrainHelpers,
  trainStepsSplit,
  trainStepThreaded,
} from "../../../learners/meta_train/train_threads.ts";
import { hvpStepCpu } from "../../../learners/meta_train/maml_cpu.ts";
import { type MlpData, trainStepCpu } from "../../../learners/mlp/mlp_cpu.ts";
import { KNOB, KNOB_STRIDE } from "../../../learners/optimizers/knobs.ts";
import { cpuLoopRuns } from "./_family.ts";

/** A population of 7 models (7-13-4, batch 5, 2 slots) with seeded parameters and batches. */
function population(): CpuPopulation {
  const rng = new Rng(3);
  const pop = new CpuPopulation({
    size: 7,
    widths: [7, 13, 4],
    batchSize: 5,
    activation: "tanh",
    loss: "cross_entropy",
  });
  pop.init(9);
  pop.setKnobs({ lr: 0.2, optimizer: "sgd" });
  pop.setBatches(Uint32Array.from({ length: 7 * 5 * 2 }, () => rng.int(40)), 2);
  return pop;
}

/** 40 samples of 7 standard normal inputs from `rng` (input `nanAt` of the table NaN), labels i % classes. */
function samples(rng: Rng, o: { classes: number; nanAt?: number }): MlpData {
  return {
    count: 40,
    inputs: 7,
    targetWidth: 1,
    x: Float32Array.from({ length: 40 * 7 }, (_, i) => i === o.nanAt ? NaN : rng.normal()),
    y: Float32Array.from({ length: 40 }, (_, i) => i % o.classes),
  };
}

Deno.test("trainStepThreaded equals trainStepCpu bit for bit, update and gradient mode", async () => {
  assert.ok((await startTrainHelpers({ threads: 3 })) >= 1, "a helper thread is up");
  const rng = new Rng(4);
  // One input NaN: the model whose batch holds sample 17 is quarantined.
  const data = samples(rng, { classes: 4, nanAt: 17 * 7 + 2 });
  const [a, b] = [population(), population()];
  const L = a.layout;
  const split = trainStepsSplit();
  for (let k = 0; k < 3; k++) {
    trainStepCpu(L, a.state, data);
    trainStepThreaded(L, b.state, data, undefined, { threads: 3, minWork: 0 });
  }
  const [ga, gb] = [new Float32Array(7 * L.stride), new Float32Array(7 * L.stride)];
  trainStepCpu(L, a.state, data, ga);
  trainStepThreaded(L, b.state, data, gb, { threads: 3, minWork: 0 });
  assert.equal(trainStepsSplit() - split, 4, "every call was split");
  for (const k of ["params", "steps", "metrics"] as const) {
    assert.deepEqual(Array.from(b.state[k]), Array.from(a.state[k]), k);
  }
  assert.deepEqual(Array.from(gb), Array.from(ga), "gradients");
  assert.ok(Array.from({ length: 7 }, (_, p) => a.state.metrics[p * 4 + 2]).some((q) => q === 1));
});

Deno.test("trainStepThreaded with steps = 4 (each model's 4 steps in turn) equals 4 trainStepCpu calls bit for bit", async () => {
  assert.ok((await startTrainHelpers({ threads: 3 })) >= 1, "a helper thread is up");
  const rng = new Rng(5);
  const data = samples(rng, { classes: 4, nanAt: 23 * 7 + 1 });
  const [a, b] = [population(), population()];
  const L = a.layout;
  // A held model (its step count advances) beside the others.
  const table = a.state.knobs.slice();
  table[2 * KNOB_STRIDE + KNOB.hold] = 1;
  a.setKnobs(table);
  b.setKnobs(table);
  const split = trainStepsSplit();
  for (let k = 0; k < 4; k++) trainStepCpu(L, a.state, data);
  trainStepThreaded(L, b.state, data, undefined, { threads: 3, minWork: 0 }, 4);
  assert.equal(trainStepsSplit() - split, 1, "one split call for the 4 steps");
  for (const k of ["params", "steps", "metrics"] as const) {
    assert.deepEqual(Array.from(b.state[k]), Array.from(a.state[k]), k);
  }
  assert.equal(a.state.steps[0], 4);
});

Deno.test("hvpStepThreaded equals hvpStepCpu bit for bit (7 models, 3 threads, a NaN input)", async () => {
  assert.ok((await startTrainHelpers({ threads: 3 })) >= 1, "a helper thread is up");
  const rng = new Rng(6);
  const L = population().layout;
  const data = samples(rng, { classes: 6, nanAt: 23 * 7 + 4 });
  const rows = (scale: number) =>
    Float32Array.from(
      { length: 7 * L.stride },
      (_, i) => i % L.stride < L.paramCount ? scale * rng.normal() : 0,
    );
  const theta = rows(0.5);
  const t = {
    theta,
    v: rows(0.1),
    batches: Uint32Array.from({ length: 7 * 8 }, () => rng.int(40)),
    labelMap: Uint32Array.from({ length: 7 * 6 }, () => rng.int(4)),
  };
  t.batches[3 * 8 + 1] = 23; // Model 3's support batch holds the NaN (the readable twin's path).
  const o = { models: 7, rowLen: 8, labelWidth: 6, lr: 0.3 };
  const want = t.v.slice();
  const split = trainStepsSplit();
  for (let k = 0; k < 2; k++) {
    hvpStepCpu(L, data, { ...t, v: want }, o);
    hvpStepThreaded(L, data, t, o, { threads: 3, minWork: 0 });
  }
  assert.equal(trainStepsSplit() - split, 2, "every call was split");
  assert.deepEqual(Array.from(t.v), Array.from(want));
  assert.ok(want.some((x) => Number.isNaN(x)) && want.some((x) => x !== 0 && Number.isFinite(x)));
});

/** The typed arrays anywhere in `v` (a posted message), by path. */
function typedArrays(v: unknown, path = "job"): string[] {
  if (ArrayBuffer.isView(v)) return [path];
  if (v === null || typeof v !== "object" || v instanceof SharedArrayBuffer) return [];
  return Object.entries(v).flatMap(([k, x]) => typedArrays(x, `${path}.${k}`));
}

Deno.test("a job's message carries shared buffers, once each, and no array to clone", async () => {
  assert.ok((await startTrainHelpers({ threads: 2 })) >= 1, "a helper thread is up");
  const sent: unknown[] = [];
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, m: unknown, ...rest: unknown[]) {
    sent.push(m);
    return (post as (...a: unknown[]) => void).call(this, m, ...rest);
  };
  try {
    const rng = new Rng(7);
    const data = samples(rng, { classes: 4 });
    const pop = population();
    for (let k = 0; k < 2; k++) {
      trainStepThreaded(pop.layout, pop.state, data, undefined, { threads: 2, minWork: 0 });
    }
  } finally {
    Worker.prototype.postMessage = post;
  }
  assert.equal(sent.length, 2, "one job per call");
  assert.deepEqual(sent.flatMap((m) => typedArrays(m)), [], "typed arrays in the messages");
  const [first, second] = sent as { buffers?: Record<string, unknown>; layout?: unknown }[];
  assert.ok(first!.buffers?.x instanceof SharedArrayBuffer && first!.layout, "the first job");
  assert.equal(second!.buffers, undefined, "the second job: nothing new to send");
  assert.equal(second!.layout, undefined);
});

/** Three iterations (2 + 1) of `method`'s CPU loop with `threads`; the reads. */
async function loopReads(
  method: MetaLoopMethod,
  batchSize: number,
  threads: number,
): Promise<MetaLoopReadout[]> {
  const o = { innerSteps: 2, calls: [2, 1], seed: 8 };
  return (await cpuLoopRuns(method, batchSize, { threads, minWork: 0 }, o)).reads;
}

for (const method of ["reptile", "fomaml", "maml", "meta-sgd", "es-maml"] as const) {
  Deno.test(`CpuMetaLoop ${method}: 2 threads equal 1 bit for bit (batch 4; 6, compacted)`, async () => {
    await startTrainHelpers({ threads: 2 });
    for (const batchSize of [4, 6]) {
      const split = trainStepsSplit();
      const got = await loopReads(method, batchSize, 2);
      assert.ok(trainStepsSplit() > split, "the loop's train steps were split");
      const want = await loopReads(method, batchSize, 1);
      assert.deepEqual(got, want, `${method} batch ${batchSize}`);
    }
  });
}
