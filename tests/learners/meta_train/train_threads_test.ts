/**
 * The train step split between threads (learners/meta_train/train_threads.ts): the same numbers bit
 * for bit as one thread, in update and gradient mode, on a population whose model count does not
 * divide evenly, with a quarantined model; and the CPU meta loop of every gradient method with 2
 * threads equals it with 1 (theta, moments, alpha and log rows, compacted and not).
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { CpuPopulation } from "../../../learners/cpu_backend.ts";
import type { MetaLoopMethod, MetaLoopReadout } from "../../../learners/meta_train/meta_loop.ts";
import {
  startTrainHelpers,
  trainStepsSplit,
  trainStepThreaded,
} from "../../../learners/meta_train/train_threads.ts";
import { trainStepCpu } from "../../../learners/mlp/mlp_cpu.ts";
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

Deno.test("trainStepThreaded equals trainStepCpu bit for bit, update and gradient mode", async () => {
  assert.ok((await startTrainHelpers({ threads: 3 })) >= 1, "a helper thread is up");
  const rng = new Rng(4);
  const data = {
    count: 40,
    inputs: 7,
    targetWidth: 1,
    // One input NaN: the model whose batch holds sample 17 is quarantined.
    x: Float32Array.from({ length: 40 * 7 }, (_, i) => i === 17 * 7 + 2 ? NaN : rng.normal()),
    y: Float32Array.from({ length: 40 }, (_, i) => i % 4),
  };
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
