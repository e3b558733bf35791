/** The synthetic family's rebuilt latent points and the latent Bayes rule scored on them. */
import assert from "node:assert/strict";
import {
  latentBayesAccuracy,
  latentBayesCorrect,
} from "../../../learners/tasks/synthetic_bayes.ts";
import {
  SyntheticClassification,
  syntheticMap,
} from "../../../learners/tasks/synthetic_classification.ts";
import { syntheticBayesCeiling } from "../../../meta/few_shot/references.ts";

/** Per-coordinate residuals (input - map(latent)) of episodes `ids` rebuilt from episode `from(e)`. */
function residuals(
  family: SyntheticClassification,
  options: { familySeed: number; hidden: number; seed: number; episodes: number },
  from: (e: number) => number,
): number[] {
  const { ways: N, shots: K, queryPerClass: Q, latentDim: L, inputs: D } = family;
  const H = options.hidden;
  const map = syntheticMap(options.familySeed, H, L, D);
  const b = family.sampleEpisodes(options.seed, options.episodes);
  const per = N * (K + Q);
  const out: number[] = [];
  for (let e = 0; e < options.episodes; e++) {
    const z = family.latentPoints(options.seed, from(e));
    for (let i = 0; i < per; i++) {
      for (let m = 0; m < D; m++) {
        let acc = map.b2[m]!;
        for (let a = 0; a < H; a++) {
          let h = map.b1[a]!;
          for (let j = 0; j < L; j++) h += map.w1[a * L + j]! * z[i * L + j]!;
          acc += map.w2[m * H + a]! * Math.tanh(h);
        }
        out.push(b.dataset.x[(e * per + i) * D + m]! - acc);
      }
    }
  }
  return out;
}

Deno.test("latentPoints rebuilds latents whose map gives sampleEpisodes' inputs within the input noise", () => {
  const opts = { familySeed: 3, hidden: 32, seed: 77, episodes: 20 };
  const family = new SyntheticClassification({
    ways: 4,
    shots: 2,
    queryPerClass: 3,
    difficulty: 0.9,
    familySeed: opts.familySeed,
    hidden: opts.hidden,
  });
  const r = residuals(family, opts, (e) => e);
  const rms = Math.sqrt(r.reduce((s, v) => s + v * v, 0) / r.length);
  // The residual is the input noise alone (std 0.05; float32 rounding is far below it).
  assert.ok(Math.abs(rms / family.inputNoise - 1) < 0.05, `rms ${rms}`);
  assert.ok(Math.max(...r.map(Math.abs)) < 6 * family.inputNoise);
  // Another episode's latents do not reproduce them.
  const other = residuals(family, opts, (e) => e + 1);
  const rmsOther = Math.sqrt(other.reduce((s, v) => s + v * v, 0) / other.length);
  assert.ok(rmsOther > 5 * family.inputNoise, `rms of the wrong episode ${rmsOther}`);
});

Deno.test("latentPoints reads the seed as sampleEpisodes does (>>> 0) and checks its out buffer", () => {
  const family = new SyntheticClassification({ ways: 2, shots: 1, queryPerClass: 2 });
  assert.deepEqual(family.latentPoints(-1, 3), family.latentPoints(0xffffffff, 3));
  assert.throws(() => family.latentPoints(0, 0, new Float64Array(5)), /out must hold 48 values/);
  assert.throws(() => family.latentPoints(0, -1), /episode must be an integer >= 0/);
});

Deno.test("latentBayesCorrect shrinks the support means by c and breaks ties to the lower class", () => {
  // 2-way 1-shot, 2 queries per class, latent 1-D, spread = noise = 1: c = 1 / (1 + 1) = 0.5.
  // Supports 2 and -2 -> centres 1 and -1. Class 0 queries: 0.5 (right), -0.2 (nearer -1: wrong);
  // class 1 queries: 0 (a tie, to class 0: wrong), -3 (right).
  const shape = { ways: 2, shots: 1, queryPerClass: 2, latentDim: 1, spread: 1, noise: 1 };
  const z = Float64Array.from([2, -2, 0.5, -0.2, 0, -3]);
  assert.equal(latentBayesCorrect(z, shape), 2);
  const z2 = Float64Array.from([4, 0, 1.9, 0, 2.1, 0]);
  // c = 0.5: centres 2 and 0; 1.9 -> class 0 (right), 0 -> class 1 (wrong), 2.1 -> class 0 (wrong),
  // 0 -> class 1 (right). With c = 1 (noise 0) the centres are 4 and 0: 1.9 -> class 1 (wrong).
  assert.equal(latentBayesCorrect(z2, shape), 2);
  assert.equal(latentBayesCorrect(z2, { ...shape, noise: 0 }), 1);
});

Deno.test("latentBayesAccuracy on the family's own episodes agrees with syntheticBayesCeiling within Monte-Carlo error", () => {
  const family = new SyntheticClassification({
    ways: 5,
    shots: 1,
    queryPerClass: 15,
    difficulty: 0.9,
  });
  const E = 8000;
  const correct = Array.from(
    { length: E },
    (_, e) => latentBayesCorrect(family.latentPoints(2024, e), family),
  );
  const acc = correct.reduce((s, v) => s + v, 0) / (E * 75);
  assert.equal(acc, latentBayesAccuracy(family, 2024, E));
  const sd = Math.sqrt(correct.reduce((s, v) => s + (v / 75 - acc) ** 2, 0) / (E - 1));
  const ceiling = syntheticBayesCeiling(family); // 20,000 episodes of its own draws
  const se = sd * Math.sqrt(1 / E + 1 / 20000);
  assert.ok(Math.abs(acc - ceiling) < 4 * se, `${acc} vs ${ceiling} (se ${se})`);
  // Episode ids as a list: the same episodes give the same accuracy.
  const ids = [5, 0, 3];
  assert.equal(
    latentBayesAccuracy(family, 2024, ids),
    (correct[5]! + correct[0]! + correct[3]!) / (3 * 75),
  );
});
