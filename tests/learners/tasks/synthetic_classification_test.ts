import assert from "node:assert/strict";
import {
  NO_SHIFT,
  SyntheticClassification,
  syntheticDifficulty,
} from "../../../learners/tasks/synthetic_classification.ts";
import { episodeLabel, validateEpisodeBatch } from "../../../learners/tasks/task_family.ts";
import { nearestClassMeanAccuracy } from "./_ncm.ts";

const SHIFT = { offset: 1, scale: 1.5, rotation: 0.8, labelNoise: 0.1 };

Deno.test("SyntheticClassification.sampleEpisodes gives bit-identical episodes for the same seed", () => {
  const family = new SyntheticClassification({ ways: 3, shots: 2, queryPerClass: 4, inputs: 7 });
  const a = family.sampleEpisodes(11, 6);
  const b = new SyntheticClassification({ ways: 3, shots: 2, queryPerClass: 4, inputs: 7 })
    .sampleEpisodes(11, 6);
  assert.deepEqual(a.dataset.x, b.dataset.x);
  assert.deepEqual(a.dataset.y, b.dataset.y);
  assert.deepEqual(a.support, b.support);
  assert.deepEqual(a.query, b.query);
  const c = family.sampleEpisodes(12, 6);
  assert.notDeepEqual(a.dataset.x, c.dataset.x);
});

Deno.test("SyntheticClassification.sampleEpisodes returns episode slices with local labels 0..N-1", () => {
  const family = new SyntheticClassification({ ways: 4, shots: 3, queryPerClass: 5, inputs: 9 });
  const b = family.sampleEpisodes(1, 5);
  validateEpisodeBatch(b);
  assert.equal(b.dataset.count, 5 * 4 * (3 + 5));
  assert.equal(b.dataset.inputs, 9);
  assert.equal(b.supportSize, 12);
  assert.equal(b.querySize, 20);
  assert.equal(b.ways, 4);
  assert.equal(b.labelMapWidth, 0);
  assert.equal(family.outputs, 4);
  const per = 4 * 8;
  for (let e = 0; e < 5; e++) {
    const seen = new Set<number>();
    for (let s = 0; s < b.supportSize; s++) {
      const i: number = b.support[e * b.supportSize + s]!;
      assert.ok(i >= e * per && i < (e + 1) * per);
      assert.equal(episodeLabel(b, e, i), Math.floor(s / 3));
      seen.add(episodeLabel(b, e, i));
    }
    assert.equal(seen.size, 4);
    for (let q = 0; q < b.querySize; q++) {
      const i: number = b.query[e * b.querySize + q]!;
      assert.ok(i >= e * per && i < (e + 1) * per);
      assert.equal(episodeLabel(b, e, i), Math.floor(q / 5));
    }
  }
});

Deno.test("SyntheticClassification nearest-class-mean gets well above chance on 5-way 5-shot", () => {
  const family = new SyntheticClassification({ ways: 5, shots: 5, queryPerClass: 15, inputs: 16 });
  const acc = nearestClassMeanAccuracy(family.sampleEpisodes(2024, 50));
  assert.ok(acc > 0.5, `accuracy ${acc} must be > 0.5 (chance 0.2)`);
});

Deno.test("SyntheticClassification difficulty lowers nearest-class-mean accuracy", () => {
  const easy = new SyntheticClassification({ difficulty: 0 }).sampleEpisodes(5, 30);
  const hard = new SyntheticClassification({ difficulty: 1 }).sampleEpisodes(5, 30);
  assert.ok(nearestClassMeanAccuracy(easy) > nearestClassMeanAccuracy(hard) + 0.2);
});

Deno.test("SyntheticClassification shifted family B differs measurably from family A", () => {
  const a = new SyntheticClassification({ familySeed: 3 }).sampleEpisodes(7, 50);
  const shifted = new SyntheticClassification({ familySeed: 3, shift: SHIFT });
  assert.equal(shifted.name, "synthetic-5way-5shot-shifted");
  const b = shifted.sampleEpisodes(7, 50);
  validateEpisodeBatch(b);
  let diff = 0;
  for (let i = 0; i < a.dataset.x.length; i++) diff += Math.abs(a.dataset.x[i]! - b.dataset.x[i]!);
  assert.ok(diff / a.dataset.x.length > 0.5, `mean |A - B| ${diff / a.dataset.x.length}`);
  // Class means learnt on A's support do not transfer to B's query.
  const within = nearestClassMeanAccuracy(a);
  const cross = nearestClassMeanAccuracy(b, a);
  assert.ok(cross < within - 0.15, `cross ${cross} vs within ${within}`);
  // Label noise touches support labels only: about 10% of them.
  let flipped = 0;
  for (let i = 0; i < b.support.length; i++) {
    if (b.dataset.y[b.support[i]!] !== a.dataset.y[a.support[i]!]) flipped++;
  }
  const rate = flipped / b.support.length;
  assert.ok(rate > 0.05 && rate < 0.15, `label noise rate ${rate}`);
  for (let i = 0; i < b.query.length; i++) {
    assert.equal(b.dataset.y[b.query[i]!], a.dataset.y[a.query[i]!]);
  }
});

Deno.test("SyntheticClassification rotation alone preserves distances from the offset", () => {
  const a = new SyntheticClassification({ inputs: 5 }).sampleEpisodes(3, 2);
  const b = new SyntheticClassification({ inputs: 5, shift: { ...NO_SHIFT, rotation: 1.2 } })
    .sampleEpisodes(3, 2);
  for (let p = 0; p < a.dataset.count; p++) {
    let na = 0;
    let nb = 0;
    for (let m = 0; m < 5; m++) {
      na += a.dataset.x[p * 5 + m]! ** 2;
      nb += b.dataset.x[p * 5 + m]! ** 2;
    }
    assert.ok(Math.abs(Math.sqrt(na) - Math.sqrt(nb)) < 1e-4);
  }
  assert.notDeepEqual(a.dataset.x, b.dataset.x);
});

Deno.test("syntheticDifficulty maps [0, 1] to noise, spread and ways", () => {
  assert.deepEqual(syntheticDifficulty(0, { minWays: 2, maxWays: 10 }), {
    ways: 2,
    noise: 0.2,
    spread: 2,
  });
  const hard = syntheticDifficulty(1, { minWays: 2, maxWays: 10 });
  assert.equal(hard.ways, 10);
  assert.ok(Math.abs(hard.noise - 1) < 1e-12 && Math.abs(hard.spread - 0.5) < 1e-12);
  assert.throws(() => syntheticDifficulty(1.5), RangeError);
});

Deno.test("SyntheticClassification rejects invalid options with a RangeError naming the field", () => {
  assert.throws(() => new SyntheticClassification({ ways: 0 }), /ways must be an integer >= 1/);
  assert.throws(
    () => new SyntheticClassification({ shift: { labelNoise: 2 } }),
    /shift.labelNoise must be in \[0, 1\]/,
  );
  assert.throws(() => new SyntheticClassification({ shift: { scale: 0 } }), /shift.scale/);
  assert.throws(() => new SyntheticClassification().sampleEpisodes(0, 0), RangeError);
});
