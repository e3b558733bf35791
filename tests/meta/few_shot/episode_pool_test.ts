/** EpisodePool.gather: per-model label-map rows from the pool's class lists; shared uploads. */
import assert from "node:assert/strict";
import type { BackendDataset } from "../../../learners/backend.ts";
import type { Dataset } from "../../../learners/dataset.ts";
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

Deno.test("EpisodePool reads a shared upload from options.upload and leaves freeing it to the caller", () => {
  const backend = new CpuBackend();
  const data = toyDataset(30, 6);
  const split = (first: number) => Array.from({ length: 10 }, (_, c) => first + c);
  const families = [0, 10, 20].map((f) =>
    new RealEpisodes(data, split(f), { ways: 3, shots: 1, queryPerClass: 2 })
  );
  const made: BackendDataset[] = [];
  let freed = 0;
  const upload = (d: Dataset): BackendDataset => {
    assert.equal(d, data, "the families' data set");
    if (made.length === 0) {
      const u = backend.uploadDataset(d);
      const destroy = u.destroy.bind(u);
      u.destroy = () => {
        freed++;
        destroy();
      };
      made.push(u);
    }
    return made[0]!;
  };
  const pools = families.map((f, i) => new EpisodePool(backend, f, i, 7, { upload }));
  assert.equal(made.length, 1);
  for (const p of pools) assert.equal(p.data, made[0]);
  for (const p of pools) p.destroy();
  assert.equal(freed, 0, "the pools do not free the shared upload");
  const own = new EpisodePool(backend, families[0]!, 0, 7);
  assert.notEqual(own.data, made[0], "without options.upload a pool uploads its own copy");
  own.destroy();
});
