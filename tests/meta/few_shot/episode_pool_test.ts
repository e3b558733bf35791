/** EpisodePool.gather: per-model label-map rows from the pool's class lists. */
import assert from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { labelMapsBuilt } from "../../../learners/tasks/episode_classes.ts";
import { RealEpisodes } from "../../../learners/tasks/real_episodes.ts";
import { EpisodePool } from "../../../meta/few_shot/episode_pool.ts";
import { toyDataset } from "../../learners/tasks/_toy_dataset.ts";

Deno.test("EpisodePool.gather gives the pool's dense label-map rows without building them", () => {
  const data = toyDataset(30, 6);
  const classes = Array.from({ length: 29 }, (_, c) => 29 - c);
  const family = new RealEpisodes(data, classes, { ways: 4, shots: 2, queryPerClass: 1 });
  const pool = new EpisodePool(new CpuBackend(), family, 5, 25);
  const ids = [24, 3, 3, 17, 0];
  const g = pool.gather(ids, 8, { supportSlots: 2, querySlot: true });
  assert.equal(labelMapsBuilt(pool.batch), false);
  assert.equal(g.labelMapWidth, 30);
  const dense = pool.batch.labelMap!;
  ids.forEach((e, p) => {
    assert.deepEqual(
      g.labelMap!.subarray(p * 30, (p + 1) * 30),
      dense.subarray(e * 30, e * 30 + 30),
    );
  });
  assert.throws(() => pool.gather([25], 8), /ids\[0\] must be in \[0, 24\]/);
  pool.destroy();
});
