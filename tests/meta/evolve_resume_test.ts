/**
 * The evolve experiment survives kill -9 at seeded random points: it checkpoints after every
 * meta-generation and every phase, and `--resume` ends with the same metrics, results, summary
 * metrics and strategies.json as a run never interrupted (timing fields aside), keeping the
 * original start time.
 */
import assert from "node:assert/strict";
import { fromExactJson, toExactJson } from "../../core/exact_json.ts";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import type { MetaTask } from "../../meta/evolution/meta_task.ts";
import {
  metaTrain,
  type MetaTrainResult,
  type MetaTrainState,
} from "../../meta/evolution/meta_train.ts";
import { assertKillResume, untimed } from "../_kill_resume.ts";

Deno.test({
  name: "evolve: kill -9 at random points, then --resume, ends as a run never interrupted",
  sanitizeResources: false,
  sanitizeOps: false,
  // Kill points: after the k-th checkpoint save (4 meta-generations, then the meta, attribution,
  // held-out and specialized phases, then the smoke scale's second meta-evolution run), plus a
  // seeded random delay: the kill after save 8 lands in the second run or the comparisons after.
  fn: () =>
    assertKillResume({
      experiment: "evolve",
      config: { metaGenerations: 5, populationSize: 4, backend: "cpu" },
      killAfterSaves: [1, 4, 7, 8],
      files: ["strategies.json"],
    }),
});

Deno.test("metaTrain() resumed from its checkpoint state at every meta-generation gives the same result, without redoing meta-generations", async () => {
  const backend = new CpuBackend();
  const tasks: MetaTask[] = [{
    kind: "objective",
    name: "sphere",
    objective: "sphere",
    dim: 4,
    task: 0,
  }];
  const o = {
    modelsPerSegment: 6,
    generations: 4,
    replicates: 1,
    seed: 9,
    populationSize: 4,
    metaGenerations: 4,
  };
  const states: unknown[] = [];
  const whole = await metaTrain(backend, tasks, {
    ...o,
    onCheckpoint: (s) => void states.push(toExactJson(s)),
  });
  assert.equal(states.length, 3);
  const strip = (r: MetaTrainResult) => untimed(r);
  for (const [k, saved] of states.entries()) {
    const seen: number[] = [];
    const resumed = await metaTrain(backend, tasks, {
      ...o,
      resume: fromExactJson(JSON.parse(JSON.stringify(saved))) as MetaTrainState,
      onGeneration: (row) => void seen.push(row.metaGeneration),
    });
    assert.deepEqual(seen, [1, 2, 3].slice(k), `resumed after meta-generation ${k}`);
    assert.deepEqual(strip(resumed), strip(whole));
  }
});
