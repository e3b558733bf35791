/**
 * The l2o experiment survives kill -9 at seeded random points: it checkpoints after every
 * meta-training generation and every phase, and `--resume` ends with the same metrics, results,
 * summary metrics and learned-optimizer files as a run never interrupted (timing fields aside),
 * keeping the original start time.
 */
import assert from "node:assert/strict";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import {
  type EsProgress,
  metaTrainEs,
  metaTrainReinforce,
} from "../../meta/learned_optimizer_training.ts";
import { assertKillResume } from "../_kill_resume.ts";
import { FAMILY, TINY } from "./_learned_optimizer_fixture.ts";

Deno.test({
  name: "l2o: kill -9 at random points, then --resume, ends as a run never interrupted",
  sanitizeResources: false,
  sanitizeOps: false,
  // Saves at smoke scale: 3 per learned method (2 generations, then the method), the tuning, then
  // one per evaluation family (12), then the second meta-training run (13). Kill points: in ES, in
  // REINFORCE, after the first family, after the last family (inside the second run or after).
  fn: () =>
    assertKillResume({
      experiment: "l2o",
      config: { backend: "cpu" },
      killAfterSaves: [1, 5, 11, 12],
      files: [
        "learned_optimizer.json",
        "learned_optimizer_reinforce.json",
        "learned_optimizer_per_param.json",
      ],
    }),
});

for (
  const [name, train] of [["metaTrainEs", metaTrainEs], [
    "metaTrainReinforce",
    metaTrainReinforce,
  ]] as const
) {
  Deno.test(`${name}() resumed from its progress after every generation gives the same weights and records`, async () => {
    const backend = new CpuBackend();
    const c = { ...TINY, generations: 4 };
    const saved: EsProgress[] = [];
    const onGeneration = (_g: unknown, _t: unknown, p: EsProgress) => {
      saved.push(JSON.parse(JSON.stringify(p)));
    };
    const whole = await train(backend, FAMILY, { config: c, seed: 5, onGeneration });
    assert.equal(saved.length, 4);
    for (const [k, progress] of saved.entries()) {
      const resumed = await train(backend, FAMILY, { config: c, seed: 5, resume: progress });
      assert.deepEqual(Array.from(resumed.theta), Array.from(whole.theta), `after generation ${k}`);
      assert.deepEqual(resumed.history, whole.history.slice(k + 1));
    }
  });
}
