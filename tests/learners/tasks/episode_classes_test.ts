/**
 * Real-data episode batches hold their labels as class lists (learners/tasks/episode_classes.ts):
 * the dense label maps they build on first read are the ones the families always gave, and the
 * class-list readers (the CPU meta loop, the extended pool, the class-list rows) never build them.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { gatherEpisodesCpu } from "../../../learners/meta_train/meta_gather.ts";
import {
  episodeClasses,
  labelMapRows,
  labelMapsBuilt,
  withClassLists,
} from "../../../learners/tasks/episode_classes.ts";
import { ExtendedEpisodes } from "../../../learners/tasks/extended_episodes.ts";
import { RealEpisodes } from "../../../learners/tasks/real_episodes.ts";
import {
  episodeLabel,
  LABEL_UNUSED,
  validateEpisodeBatch,
} from "../../../learners/tasks/task_family.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { randomDataset } from "../../helpers.ts";
import { toyDataset } from "./_toy_dataset.ts";

const DATA = toyDataset(40, 20);
const CLASSES = Array.from({ length: 37 }, (_, c) => c + 2);

Deno.test("RealEpisodes' dense label maps, built on first read, label each drawn class by its draw order", () => {
  const family = new RealEpisodes(DATA, CLASSES, { ways: 5, shots: 2, queryPerClass: 3 });
  const b = family.sampleEpisodes(4, 50);
  assert.equal(labelMapsBuilt(b), false);
  const classes = episodeClasses(b)!;
  assert.equal(labelMapsBuilt(b), false, "the class lists do not build the dense maps");
  validateEpisodeBatch(b);
  assert.equal(labelMapsBuilt(b), true);
  assert.equal(b.labelMap!.length, 50 * 40);
  assert.equal(b.labelMap, b.labelMap, "built once");
  for (let e = 0; e < 50; e++) {
    // Support entries are class-major: the k-th drawn class's 2 shots carry label k.
    for (let i = 0; i < 10; i++) {
      const k = Math.floor(i / 2);
      const sample = b.support[e * 10 + i]!;
      assert.equal(episodeLabel(b, e, sample), k, `episode ${e} support ${i}`);
      assert.equal(DATA.y[sample], classes[e * 5 + k], "its class is the k-th of the list");
    }
    const mapped = [...b.labelMap!.subarray(e * 40, (e + 1) * 40)].filter((l) =>
      l !== LABEL_UNUSED
    );
    assert.deepEqual(mapped.sort(), [0, 1, 2, 3, 4]);
  }
  // After the dense maps are read, the class lists come from them (and agree).
  assert.deepEqual(episodeClasses(b), classes);
});

Deno.test("the CPU meta gather, the extended pool and labelMapRows read class lists only", () => {
  const core = new RealEpisodes(DATA, CLASSES, { ways: 5, shots: 1, queryPerClass: 1 });
  const ext = new ExtendedEpisodes(DATA, CLASSES, {
    ways: 12,
    shots: 1,
    queries: 2,
    coreWays: 5,
    coreQueries: 1,
  });
  const a = core.sampleEpisodes(8, 30);
  const b = ext.sampleEpisodes(8, 30);
  const ids = Uint32Array.from({ length: 13 }, (_, i) => (i * 11) % 30);
  const g = gatherEpisodesCpu(a, ids, 0, { models: 13, batchSize: 5, slots: 2, querySlot: true });
  const rowsA = labelMapRows(a, ids)!;
  const rowsB = labelMapRows(b, ids)!;
  assert.deepEqual([labelMapsBuilt(a), labelMapsBuilt(b)], [false, false]);
  assert.deepEqual(g.labelMap, rowsA, "the gather twin's rows are labelMapRows'");
  for (let p = 0; p < 13; p++) {
    const e = ids[p]!;
    assert.deepEqual(
      rowsA.subarray(p * 40, (p + 1) * 40),
      a.labelMap!.subarray(e * 40, e * 40 + 40),
    );
    assert.deepEqual(
      rowsB.subarray(p * 40, (p + 1) * 40),
      b.labelMap!.subarray(e * 40, e * 40 + 40),
    );
  }
  // The extended episode's first 5 classes are the core episode's, with the same labels.
  const [ca, cb] = [episodeClasses(a)!, episodeClasses(b)!];
  for (let e = 0; e < 30; e++) {
    assert.deepEqual(cb.subarray(e * 12, e * 12 + 5), ca.subarray(e * 5, e * 5 + 5));
  }
});

Deno.test("a CPU meta loop trains on a real-data pool without building its dense label maps", async () => {
  const rng = new Rng(1);
  const data = {
    ...randomDataset(rng, { count: 400, inputs: 6, mse: false, classes: 40 }),
    classes: 40,
  };
  const family = new RealEpisodes(data, CLASSES, { ways: 5, shots: 1, queryPerClass: 1 });
  const pool = family.sampleEpisodes(2, 40);
  const backend = new CpuBackend();
  for (const method of ["fomaml", "protonet"] as const) {
    const loop = await backend.createMetaLoop({
      method,
      widths: [6, 8, 5],
      batchSize: 5,
      metaBatch: 4,
      innerSteps: 1,
      innerLr: 0.1,
      metaLr: 0.01,
    });
    const stride = mlpLayout({ size: 1, widths: [6, 8, 5], batchSize: 5 }).stride;
    loop.write({
      theta: Float32Array.from({ length: stride }, () => 0.3 * rng.normal()),
      moments: new Float32Array(4 * stride),
      t: 0,
    });
    loop.run(pool, backend.uploadDataset(pool.dataset), Uint32Array.from([0, 9, 17, 39]));
    const read = await loop.read();
    assert.ok(read.log[1]! > 0, `${method} moved theta`);
    loop.destroy();
  }
  assert.equal(labelMapsBuilt(pool), false);
});

Deno.test("withClassLists rejects class lists of the wrong length", () => {
  const b = new RealEpisodes(DATA, CLASSES, { ways: 3, shots: 1, queryPerClass: 1 })
    .sampleEpisodes(1, 4);
  const { dataset, episodes, supportSize, querySize, support, query, labelMapWidth, ways } = b;
  const fields = { dataset, episodes, supportSize, querySize, support, query, labelMapWidth, ways };
  assert.throws(() => withClassLists(fields, new Uint32Array(11)), /episodes\*ways = 12/);
});
