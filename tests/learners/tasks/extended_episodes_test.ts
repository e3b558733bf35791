/** Extended meta-training episodes: the core (test-shaped) episode first, byte for byte. */
import assert from "node:assert/strict";
import { ExtendedEpisodes } from "../../../learners/tasks/extended_episodes.ts";
import { RealEpisodes } from "../../../learners/tasks/real_episodes.ts";
import { episodeLabel, validateEpisodeBatch } from "../../../learners/tasks/task_family.ts";
import { gatherEpisodesCpu } from "../../../learners/meta_train/meta_gather.ts";
import { toyDataset } from "./_toy_dataset.ts";

const DATA = toyDataset(24, 20);
const CLASSES = Array.from({ length: 23 }, (_, c) => c);

Deno.test("ExtendedEpisodes: the gradient methods' batch slots read exactly the core episode", () => {
  const shapes = [[5, 1, 20, 5], [5, 5, 20, 15], [5, 1, 5, 15], [20, 1, 23, 3]] as const;
  for (const [n, shots, ways, queries] of shapes) {
    const core = new RealEpisodes(DATA, CLASSES, { ways: n, shots, queryPerClass: shots });
    const ext = new ExtendedEpisodes(DATA, CLASSES, {
      ways,
      shots,
      queries,
      coreWays: n,
      coreQueries: shots,
    });
    assert.equal(ext.outputs, n);
    const a = core.sampleEpisodes(3, 32);
    const b = ext.sampleEpisodes(3, 32);
    validateEpisodeBatch(b);
    assert.deepEqual([b.ways, b.supportSize, b.querySize], [ways, ways * shots, ways * queries]);
    const shape = { models: 32, batchSize: n * shots, slots: 2, querySlot: true };
    const ids = Array.from({ length: 32 }, (_, i) => (i * 7) % 32);
    const ga = gatherEpisodesCpu(a, ids, 0, shape);
    const gb = gatherEpisodesCpu(b, ids, 0, shape);
    assert.deepEqual(gb.batches, ga.batches, `${n}-way ${shots}-shot within ${ways}x${queries}`);
    for (let p = 0; p < 32; p++) {
      for (const i of ga.batches.subarray(p * 3 * n * shots, (p + 1) * 3 * n * shots)) {
        assert.equal(episodeLabel(b, ids[p]!, i), episodeLabel(a, ids[p]!, i));
      }
    }
  }
});

Deno.test("ExtendedEpisodes keeps every drawn sample, each class's queries with their label", () => {
  const plain = new RealEpisodes(DATA, CLASSES, { ways: 12, shots: 1, queryPerClass: 4 });
  const ext = new ExtendedEpisodes(DATA, CLASSES, {
    ways: 12,
    shots: 1,
    queries: 4,
    coreWays: 5,
    coreQueries: 1,
  });
  const a = plain.sampleEpisodes(9, 16);
  const b = ext.sampleEpisodes(9, 16);
  assert.deepEqual(b.support, a.support);
  assert.deepEqual(b.labelMap, a.labelMap);
  for (let e = 0; e < 16; e++) {
    const row = (x: Uint32Array) => [...x.subarray(e * 48, (e + 1) * 48)];
    assert.deepEqual(row(b.query).sort(), row(a.query).sort());
    assert.notDeepEqual(row(b.query), row(a.query));
    const labels = row(b.query).map((i) => episodeLabel(b, e, i));
    assert.deepEqual(labels.slice(0, 5), [0, 1, 2, 3, 4]);
    for (let k = 0; k < 12; k++) assert.equal(labels.filter((l) => l === k).length, 4);
  }
});

Deno.test("ExtendedEpisodes rejects an extension smaller than its core", () => {
  const o = { ways: 5, shots: 1, queries: 1, coreWays: 5, coreQueries: 1 };
  assert.throws(() => new ExtendedEpisodes(DATA, CLASSES, { ...o, ways: 4 }), /coreWays/);
  assert.throws(() => new ExtendedEpisodes(DATA, CLASSES, { ...o, coreQueries: 2 }), /coreQueries/);
});
