import assert from "node:assert/strict";
import { rngNormal } from "../../core/rng.ts";
import {
  aggregateCurves,
  aggregateRows,
  ci95,
  mean,
  median,
  quantile,
  ratioCi95,
  std,
  summarize,
  tCritical95,
} from "../../core/stats.ts";

const close = (a: number, b: number, tol = 1e-6): void =>
  assert.ok(Math.abs(a - b) <= tol, `${a} is not within ${tol} of ${b}`);

Deno.test("mean and std match hand-computed values", () => {
  assert.equal(mean([1, 2, 3, 4, 5]), 3);
  close(std([1, 2, 3, 4, 5]), Math.sqrt(2.5));
  close(std([2, 4, 4, 4, 5, 5, 7, 9]), 2.138089935);
  assert.ok(Number.isNaN(mean([])));
  assert.ok(Number.isNaN(std([7])));
});

Deno.test("ci95 of [1..5] uses t(4) = 2.7764 and matches the hand-computed interval", () => {
  // half width = 2.7764451 * sqrt(2.5) / sqrt(5) = 1.9632431
  const [low, high] = ci95([1, 2, 3, 4, 5]);
  close(low, 1.0367569, 1e-6);
  close(high, 4.9632431, 1e-6);
});

Deno.test("ci95 of two values uses t(1) = 12.706", () => {
  // mean 2, std sqrt(2), half width = 12.7062047 * sqrt(2) / sqrt(2)
  const [low, high] = ci95([1, 3]);
  close(low, 2 - 12.7062047);
  close(high, 2 + 12.7062047);
});

Deno.test("tCritical95 uses the table up to df 30 and the expansion towards 1.96 beyond", () => {
  close(tCritical95(1), 12.7062047);
  close(tCritical95(10), 2.2281389);
  close(tCritical95(30), 2.0422725);
  close(tCritical95(31), 2.0395134, 2e-5);
  close(tCritical95(40), 2.0210754, 2e-5);
  close(tCritical95(120), 1.9799304, 2e-5);
  close(tCritical95(1e9), 1.959964, 1e-6);
  assert.throws(() => tCritical95(0), /df must be an integer >= 1: current value is 0/);
});

Deno.test("summarize returns n, mean, std and the CI bounds", () => {
  const s = summarize([1, 2, 3, 4, 5]);
  assert.equal(s.n, 5);
  assert.equal(s.mean, 3);
  close(s.std, 1.5811388);
  close(s.ci95Low, 1.0367569);
  close(s.ci95High, 4.9632431);
  const one = summarize([4]);
  assert.equal(one.mean, 4);
  assert.ok(Number.isNaN(one.std) && Number.isNaN(one.ci95Low) && Number.isNaN(one.ci95High));
});

Deno.test("quantile interpolates linearly between order statistics (type 7)", () => {
  assert.equal(quantile([4, 1, 3, 2], 0.25), 1.75);
  assert.equal(quantile([4, 1, 3, 2], 0), 1);
  assert.equal(quantile([4, 1, 3, 2], 1), 4);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([3, 1, 2, 10]), 2.5);
  assert.throws(() => quantile([1], 1.5), RangeError);
});

Deno.test("aggregateCurves averages seeds per step and keeps steps only some seeds reach", () => {
  const band = aggregateCurves([[1, 2, 3], [3, 4]]);
  assert.deepEqual(band.x, [0, 1, 2]);
  assert.deepEqual(band.mean, [2, 3, 3]);
  assert.deepEqual(band.n, [2, 2, 1]);
  close(band.low[0]!, 2 - 12.7062047);
  close(band.high[1]!, 3 + 12.7062047);
  assert.ok(Number.isNaN(band.low[2]!));
  const withX = aggregateCurves([[1, 2], [3, 4]], { x: [10, 20] });
  assert.deepEqual(withX.x, [10, 20]);
  assert.throws(() => aggregateCurves([[1, 2, 3]], { x: [0] }), RangeError);
});

Deno.test("aggregateRows groups metric rows of several seeds by step", () => {
  const rows = [
    { seed: 0, step: 1, loss: 1 },
    { seed: 0, step: 2, loss: 0.5 },
    { seed: 1, step: 1, loss: 3 },
    { seed: 1, step: 2, loss: 1.5 },
    { seed: 1, step: 3, loss: "n/a" },
  ];
  const band = aggregateRows(rows, "step", "loss");
  assert.deepEqual(band.x, [1, 2]);
  assert.deepEqual(band.mean, [2, 1]);
  assert.deepEqual(band.n, [2, 2]);
});

Deno.test("ratioCi95: a constant denominator gives ci95 of the numerator divided by it", () => {
  const num = [0.1, 0.4, 0.35, 0.2, 0.5, 0.05];
  const [lo, hi] = ratioCi95(num, num.map(() => 0.5));
  const [a, b] = ci95(num);
  close(lo, a / 0.5, 1e-12);
  close(hi, b / 0.5, 1e-12);
});

Deno.test("ratioCi95: a numerator proportional to the denominator gives a zero-width interval", () => {
  const den = [0.3, 0.1, 0.25, 0.4];
  const [lo, hi] = ratioCi95(den.map((d) => 0.75 * d), den);
  close(lo, 0.75, 1e-12);
  close(hi, 0.75, 1e-12);
});

Deno.test("ratioCi95 matches the delta method worked by hand, and is NaN where undefined", () => {
  // num mean 2, den mean 4, R = 0.5; deviations num (-1, 0, 1), den (-1, -1, 2):
  // s_nn = 2 / 2 = 1, s_nd = 3 / 2 = 1.5, s_dd = 6 / 2 = 3;
  // var = (1 - 2 * 0.5 * 1.5 + 0.25 * 3) / (3 * 16) = 0.25 / 48; t(2) = 4.302653.
  const [lo, hi] = ratioCi95([1, 2, 3], [3, 3, 6]);
  const half = 4.302653 * Math.sqrt(0.25 / 48);
  close(lo, 0.5 - half, 1e-5);
  close(hi, 0.5 + half, 1e-5);
  assert.ok(ratioCi95([1], [2]).every(Number.isNaN));
  assert.ok(ratioCi95([1, 2], [1, -1]).every(Number.isNaN));
  assert.ok(ratioCi95([1, 2], [1, 2, 3]).every(Number.isNaN));
});

Deno.test("ratioCi95 covers the true ratio about 95% of the time on seeded paired draws", () => {
  // Paired units: den ~ N(0.1, 0.05), num = 0.8 den + N(0, 0.04); the true ratio is 0.8.
  let covered = 0;
  const reps = 2000, n = 100;
  for (let r = 0; r < reps; r++) {
    const den: number[] = [], num: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = 0.1 + 0.05 * rngNormal(7, r, i, 0);
      den.push(d);
      num.push(0.8 * d + 0.04 * rngNormal(7, r, i, 1));
    }
    const [lo, hi] = ratioCi95(num, den);
    if (lo <= 0.8 && 0.8 <= hi) covered++;
  }
  assert.ok(covered / reps > 0.93 && covered / reps < 0.97, `coverage ${covered / reps}`);
});
