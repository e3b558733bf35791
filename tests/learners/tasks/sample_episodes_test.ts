import assert from "node:assert/strict";
import { buildClassIndex } from "../../../learners/data/class_index.ts";
import type { Dataset } from "../../../learners/dataset.ts";
import { readEpisodes, sampleEpisodesGpu } from "../../../learners/tasks/sample_episodes.ts";
import { drawEpisodeIndices } from "../../../learners/tasks/real_episodes.ts";
import { gpuTest } from "../../helpers.ts";

function toyDataset(classes: number, perClass: number): Dataset {
  const count = classes * perClass;
  const y = new Float32Array(count);
  // Interleaved labels, so that class members are not contiguous rows.
  for (let i = 0; i < count; i++) y[i] = (i * 7) % classes;
  return { count, inputs: 1, targetWidth: 1, classes, x: new Float32Array(count), y };
}

gpuTest(
  "sample_episodes kernel draws the same episodes as drawEpisodeIndices() (37 episodes)",
  async (ctx) => {
    const data = toyDataset(10, 30);
    const index = buildClassIndex(data);
    const classes = new Uint32Array([1, 2, 4, 5, 7, 8, 9]);
    const spec = { classes, index, ways: 5, shots: 3, queryPerClass: 7 };
    const eps = await sampleEpisodesGpu(ctx, spec, { seed: 9, episodes: 37, first: 100 });
    const got = await readEpisodes(ctx, eps, spec);
    for (let e = 0; e < 37; e++) {
      const want = drawEpisodeIndices(9, 100 + e, spec);
      assert.deepEqual(
        got.support.subarray(e * 15, (e + 1) * 15),
        want.support,
        `support of episode ${e}`,
      );
      assert.deepEqual(
        got.query.subarray(e * 35, (e + 1) * 35),
        want.query,
        `query of episode ${e}`,
      );
      assert.deepEqual(got.classes.subarray(e * 5, (e + 1) * 5), want.chosen, `classes of ${e}`);
      for (const i of [...want.support, ...want.query]) assert.ok(classes.includes(data.y[i]!));
    }
    eps.destroy();
  },
);

gpuTest(
  "sampleEpisodesGpu() rejects more ways than classes and oversized episodes naming the field",
  async (ctx) => {
    const index = buildClassIndex(toyDataset(4, 10));
    const classes = new Uint32Array([0, 1, 2, 3]);
    await assert.rejects(
      () =>
        sampleEpisodesGpu(ctx, { classes, index, ways: 5, shots: 1, queryPerClass: 1 }, {
          seed: 1,
          episodes: 2,
        }),
      /ways: must be in \[1, 4\]: current value is 5/,
    );
    await assert.rejects(
      () =>
        sampleEpisodesGpu(ctx, { classes, index, ways: 2, shots: 8, queryPerClass: 3 }, {
          seed: 1,
          episodes: 2,
        }),
      /shots \+ queryPerClass: must be in \[1, 10\]/,
    );
  },
);
