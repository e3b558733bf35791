/** Floors and ceilings of the `meta` experiment, and the pixel nearest-neighbour baseline. */
import assert from "node:assert/strict";
import { mean } from "../../../core/stats.ts";
import { Sinusoid } from "../../../learners/tasks/sinusoid.ts";
import { SyntheticClassification } from "../../../learners/tasks/synthetic_classification.ts";
import {
  nearestNeighbourCurve,
  nearestNeighbourEpisode,
} from "../../../meta/few_shot/nearest_neighbour.ts";
import { oneEpisode } from "./_one_episode.ts";
import { sinusoidMeanFloor, syntheticBayesCeiling } from "../../../meta/few_shot/references.ts";
import { deriveSeed } from "../../../core/rng.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import {
  latentBayesAccuracy,
  latentBayesEpisodeAccuracies,
} from "../../../learners/tasks/synthetic_bayes.ts";
import { META_SCHEMA } from "../../../meta/few_shot/config.ts";
import { poolSeed } from "../../../meta/few_shot/episode_pool.ts";
import { withTestCeiling } from "../../../meta/few_shot/experiment.ts";
import { closeSettingRun, openSettingRun } from "../../../meta/few_shot/setting_run.ts";
import { buildSetting } from "../../../meta/few_shot/settings.ts";
import { flagsCeiling, parseCeilingArgs } from "../../../tools/synthetic_episode_ceiling.ts";

Deno.test("sinusoidMeanFloor matches the closed form for MAML's ranges (about 3.0)", () => {
  // E[A^2]/2 - E[A]^2 (4 / pi^2) mean_x cos^2(x), A ~ U[0.1, 5], phi ~ U[0, pi], x ~ U[-5, 5].
  const a2 = (5 ** 3 - 0.1 ** 3) / (3 * 4.9);
  const a = 2.55;
  const cos2 = 0.5 + Math.sin(10) / 20;
  const closed = a2 / 2 - a * a * (4 / (Math.PI * Math.PI)) * cos2;
  const floor = sinusoidMeanFloor(new Sinusoid({}));
  assert.ok(Math.abs(floor - closed) < 1e-3, `${floor} vs ${closed}`);
  assert.ok(Math.abs(floor - 3.0) < 0.02, `${floor}`);
});

Deno.test("syntheticBayesCeiling is near 1 without noise and above 1-NN and more shots on a hard family", () => {
  const easy = new SyntheticClassification({ ways: 5, shots: 1, noise: 0.01, spread: 2 });
  assert.ok(syntheticBayesCeiling(easy, { episodes: 200 }) > 0.99);
  const opts = { ways: 5, difficulty: 0.9, queryPerClass: 15 };
  const one = new SyntheticClassification({ ...opts, shots: 1 });
  const five = new SyntheticClassification({ ...opts, shots: 5 });
  const c1 = syntheticBayesCeiling(one, { episodes: 1000 });
  const c5 = syntheticBayesCeiling(five, { episodes: 1000 });
  assert.ok(c5 > c1 + 0.05, `${c5} vs ${c1}`);
  // 1-NN sees the inputs, a noisy image of the latent points: it cannot beat the latent Bayes rule.
  const b = one.sampleEpisodes(7, 400);
  const ids = Array.from({ length: 400 }, (_, i) => i);
  const nn = mean(Array.from(nearestNeighbourCurve(b, ids, false).accuracy[0]!));
  assert.ok(nn < c1 + 0.02, `1-NN ${nn} vs ceiling ${c1}`);
  assert.ok(nn > 0.3, `1-NN ${nn} is well above chance`);
});

Deno.test("syntheticBayesCeiling's default estimate of 5-way 1-shot at difficulty 0.9 is within 0.3 points of 47.32%", () => {
  // 47.32% +- 0.04: the same rule on 200,000 episodes (numpy, 2026-12-03); the old default of 2,000
  // episodes gave 47.75%.
  const f = new SyntheticClassification({ ways: 5, shots: 1, difficulty: 0.9, queryPerClass: 15 });
  const c = syntheticBayesCeiling(f);
  assert.ok(Math.abs(c - 0.4732) < 0.003, `${c}`);
});

Deno.test("nearestNeighbourEpisode labels each query by its nearest support point", () => {
  // Two classes at x = 0 and x = 10; queries at 1 (class 0), 9 and 6 (class 1), 4 (class 1: wrong).
  const b = oneEpisode([0, 10, 1, 9, 6, 4], [0, 1, 0, 1, 1, 1], 1);
  assert.equal(nearestNeighbourEpisode(b, 0, false).accuracy, 0.75);
  // Regression: targets of the nearest support points are 0, 1, 1, 0 against 0, 1, 1, 1.
  assert.equal(nearestNeighbourEpisode(b, 0, true).loss, 0.25);
});

Deno.test("withTestCeiling scores the Bayes rule on exactly the test pools openSettingRun samples", async () => {
  const c = META_SCHEMA.parse({
    settings: ["synthetic-1shot"],
    methods: ["baseline"],
    seeds: 2,
    testEpisodes: 6,
    valEpisodes: 4,
    trainPool: 8,
    hidden: [8],
  });
  const s = await buildSetting("synthetic-1shot", c, () => {});
  const seeds = [0, 1].map((i) => deriveSeed(31, i));
  const backend = new CpuBackend();
  const per: number[] = [];
  for (const seed of seeds) {
    const run = openSettingRun({ config: c }, backend, s, seed);
    try {
      // The pool the methods are tested on is the family's episodes from poolSeed(seed, "test").
      const own = s.test.sampleEpisodes(poolSeed(seed, "test"), 6);
      assert.deepEqual(run.pools.test.batch.dataset.x, own.dataset.x);
    } finally {
      closeSettingRun(run);
    }
    per.push(latentBayesAccuracy(s.synthetic!, poolSeed(seed, "test"), 6));
  }
  const refs = withTestCeiling(s, { chance: 0.2, ceiling: 0.47 }, c, seeds);
  assert.equal(refs.testCeiling, (per[0]! + per[1]!) / 2);
  assert.equal(refs.testCeilingEpisodes, 12);
  // Per episode, the seeds in order: each seed's six average to its pool's accuracy.
  const each = refs.testCeilingPerEpisode!;
  assert.equal(each.length, 12);
  for (let i = 0; i < 2; i++) {
    assert.ok(Math.abs(mean(each.slice(6 * i, 6 * i + 6)) - per[i]!) < 1e-12);
  }
  assert.deepEqual(
    each.slice(0, 6),
    latentBayesEpisodeAccuracies(s.synthetic!, poolSeed(seeds[0]!, "test"), 6),
  );
  assert.ok(new Set(each).size > 1, "the episodes' accuracies differ");
  assert.equal(refs.ceiling, 0.47);
  // The tool's flags for the same run give the same value.
  const cmd = parseCeilingArgs(["--seed", "31", "--seeds", "2", "--episodes", "6"]);
  assert.ok(cmd.kind === "flags");
  assert.equal(flagsCeiling(cmd.args), refs.testCeiling);
  // Not the family's pools of another tag or seed.
  assert.notEqual(latentBayesAccuracy(s.synthetic!, poolSeed(seeds[0]!, "val"), 6), per[0]);
});
