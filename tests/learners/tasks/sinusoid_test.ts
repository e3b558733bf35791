import assert from "node:assert/strict";
import { Sinusoid } from "../../../learners/tasks/sinusoid.ts";
import { validateEpisodeBatch } from "../../../learners/tasks/task_family.ts";

Deno.test("Sinusoid.sampleEpisodes keeps amplitude, phase and x in MAML's ranges", () => {
  const family = new Sinusoid({ shots: 5, querySize: 7 });
  const b = family.sampleEpisodes(9, 2000);
  validateEpisodeBatch(b);
  let minA = Infinity, maxA = -Infinity, minP = Infinity, maxP = -Infinity;
  for (let e = 0; e < b.episodes; e++) {
    const a = b.amplitude[e]!;
    const p = b.phase[e]!;
    minA = Math.min(minA, a);
    maxA = Math.max(maxA, a);
    minP = Math.min(minP, p);
    maxP = Math.max(maxP, p);
    for (let i = 0; i < 12; i++) {
      const x = b.dataset.x[e * 12 + i]!;
      assert.ok(x >= -5 && x <= 5);
      assert.ok(Math.abs(b.dataset.y[e * 12 + i]! - a * Math.sin(x - p)) < 1e-5);
    }
  }
  assert.ok(minA >= Math.fround(0.1) && maxA <= 5, `amplitude in [${minA}, ${maxA}]`);
  assert.ok(minP >= 0 && maxP <= Math.fround(Math.PI), `phase in [${minP}, ${maxP}]`);
  // The ranges are covered, not just respected.
  assert.ok(minA < 0.2 && maxA > 4.9 && minP < 0.05 && maxP > 3.09);
});

Deno.test("Sinusoid.sampleEpisodes shapes one input and one target with support then query", () => {
  const b = new Sinusoid({ shots: 10, querySize: 3 }).sampleEpisodes(1, 4);
  assert.equal(b.dataset.inputs, 1);
  assert.equal(b.dataset.targetWidth, 1);
  assert.equal(b.dataset.classes, 0);
  assert.equal(b.ways, 1);
  assert.equal(b.support.length, 40);
  assert.equal(b.query.length, 12);
  assert.equal(b.support[10], 13);
  assert.equal(b.query[3], 23);
});

Deno.test("Sinusoid.sampleEpisodes is deterministic per seed", () => {
  const f = new Sinusoid();
  assert.deepEqual(f.sampleEpisodes(3, 8), f.sampleEpisodes(3, 8));
  assert.notDeepEqual(f.sampleEpisodes(3, 8).amplitude, f.sampleEpisodes(4, 8).amplitude);
  assert.throws(() => new Sinusoid({ amplitude: [5, 1] }), /amplitude must be a finite/);
});
