import assert from "node:assert/strict";
import { drawEpisodeIndices, RealEpisodes } from "../../../learners/tasks/real_episodes.ts";
import {
  episodeLabel,
  LABEL_UNUSED,
  validateEpisodeBatch,
} from "../../../learners/tasks/task_family.ts";
import { splitClasses } from "../../../learners/data/class_split.ts";
import { toyDataset } from "./_toy_dataset.ts";

const DATA = toyDataset(12, 30);

Deno.test("RealEpisodes.sampleEpisodes is bit-identical for the same seed and differs for another", () => {
  const family = new RealEpisodes(DATA, [0, 1, 2, 3, 4, 5, 6, 7], { ways: 5, shots: 2 });
  const a = family.sampleEpisodes(99, 64);
  const b = new RealEpisodes(DATA, [7, 6, 5, 4, 3, 2, 1, 0], { ways: 5, shots: 2 })
    .sampleEpisodes(99, 64);
  assert.deepEqual(a.support, b.support);
  assert.deepEqual(a.query, b.query);
  assert.deepEqual(a.labelMap, b.labelMap);
  const c = family.sampleEpisodes(100, 64);
  assert.notDeepEqual(a.support, c.support);
  assert.notDeepEqual(a.labelMap, c.labelMap);
  assert.equal(a.dataset, DATA, "the data set is shared, not copied");
});

Deno.test("RealEpisodes labelMap maps exactly N split classes to 0..N-1 per episode", () => {
  const split = splitClasses(12, { train: 7, validation: 2, test: 3, seed: 4 });
  const family = new RealEpisodes(DATA, split.train, { ways: 5, shots: 3, queryPerClass: 4 });
  const b = family.sampleEpisodes(1, 200);
  validateEpisodeBatch(b);
  assert.equal(b.labelMapWidth, 12);
  assert.equal(b.supportSize, 15);
  assert.equal(b.querySize, 20);
  const used = new Set<number>();
  for (let e = 0; e < b.episodes; e++) {
    const row = b.labelMap!.subarray(e * 12, e * 12 + 12);
    const mapped: number[] = [];
    for (let c = 0; c < 12; c++) {
      if (row[c] === LABEL_UNUSED) continue;
      assert.ok(split.train.includes(c), `class ${c} must be a train class`);
      mapped.push(row[c]!);
      used.add(c);
    }
    assert.deepEqual(mapped.sort(), [0, 1, 2, 3, 4]);
    const seen = new Set<number>();
    for (let s = 0; s < 15; s++) {
      const i = b.support[e * 15 + s]!;
      assert.equal(episodeLabel(b, e, i), Math.floor(s / 3));
      seen.add(i);
    }
    for (let q = 0; q < 20; q++) {
      const i = b.query[e * 20 + q]!;
      assert.equal(episodeLabel(b, e, i), Math.floor(q / 4));
      assert.ok(!seen.has(i), "support and query must be disjoint");
      seen.add(i);
    }
    assert.equal(seen.size, 35, "no sample repeats within an episode");
  }
  assert.equal(used.size, 7, "every train class appears over 200 episodes");
});

Deno.test("drawEpisodeIndices reproduces episode e of RealEpisodes.sampleEpisodes", () => {
  const family = new RealEpisodes(DATA, [1, 3, 5, 7, 9, 11], {
    ways: 3,
    shots: 5,
    queryPerClass: 2,
  });
  const b = family.sampleEpisodes(7, 10);
  const spec = family.drawSpec;
  for (const e of [0, 4, 9]) {
    const d = drawEpisodeIndices(7, e, spec);
    assert.deepEqual(d.support, b.support.slice(e * 15, e * 15 + 15));
    assert.deepEqual(d.query, b.query.slice(e * 6, e * 6 + 6));
    for (let k = 0; k < 3; k++) assert.equal(b.labelMap![e * 12 + d.chosen[k]!], k);
  }
});

Deno.test("drawEpisodeIndices draws classes and their samples uniformly, each sample from its chosen class", () => {
  const classes = [1, 3, 5, 7, 9, 11];
  const family = new RealEpisodes(DATA, classes, { ways: 3, shots: 5, queryPerClass: 2 });
  const spec = family.drawSpec;
  const E = 3000;
  const classCount = new Map<number, number>();
  const sampleCount = new Map<number, number>();
  for (let e = 0; e < E; e++) {
    const d = drawEpisodeIndices(7, e, spec);
    assert.equal(new Set(d.chosen).size, 3, "distinct classes");
    for (let k = 0; k < 3; k++) {
      const c = d.chosen[k]!;
      assert.ok(classes.includes(c), `class ${c} must be a candidate`);
      classCount.set(c, (classCount.get(c) ?? 0) + 1);
      const drawn = [
        ...d.support.subarray(k * 5, k * 5 + 5),
        ...d.query.subarray(k * 2, k * 2 + 2),
      ];
      for (const i of drawn) {
        assert.equal(DATA.y[i], c, `sample ${i} must belong to class ${c}`);
        sampleCount.set(i, (sampleCount.get(i) ?? 0) + 1);
      }
      assert.equal(new Set(drawn).size, 7, "no sample twice in a class");
    }
  }
  // Each class is chosen in 3 of 6 draws on average (1500 of 3000; sd about 27): within 10%.
  for (const c of classes) {
    const n = classCount.get(c)!;
    assert.ok(Math.abs(n - 1500) < 150, `class ${c} chosen ${n} times, expected about 1500`);
  }
  // Each of a chosen class's 30 samples is drawn 7 times in 30 (about 350 of 3000; sd about
  // 17): within 25%, every sample of every candidate class drawn.
  assert.equal(sampleCount.size, 6 * 30);
  for (const [i, n] of sampleCount) {
    assert.ok(Math.abs(n - 350) < 88, `sample ${i} drawn ${n} times, expected about 350`);
  }
});

Deno.test("RealEpisodes draws every sample of a class when shots+query equals its size", () => {
  const data = toyDataset(3, 4);
  const b = new RealEpisodes(data, [0, 1, 2], { ways: 3, shots: 1, queryPerClass: 3 })
    .sampleEpisodes(5, 3);
  validateEpisodeBatch(b);
  for (let e = 0; e < 3; e++) {
    const all = new Set([
      ...b.support.subarray(e * 3, e * 3 + 3),
      ...b.query.subarray(e * 9, e * 9 + 9),
    ]);
    assert.equal(all.size, 12);
  }
});

Deno.test("RealEpisodes rejects ways above the split size and classes that are too small", () => {
  assert.throws(
    () => new RealEpisodes(DATA, [0, 1, 2], { ways: 5 }),
    /ways must be <= 3 classes in the split: current value is 5/,
  );
  assert.throws(
    () => new RealEpisodes(toyDataset(4, [30, 30, 3, 30]), [0, 1, 2, 3], { ways: 2, shots: 1 }),
    /class 2 must hold >= shots\+queryPerClass = 16 samples: current value is 3/,
  );
  assert.throws(() => new RealEpisodes(DATA, [0, 12]), /classes must be in \[0, 11\]/);
  assert.throws(() => new RealEpisodes(DATA, [0, 0, 1]), /classes must be distinct/);
});
