/** Behaviour tests of MirrorMind's parts and the PBT helpers. */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { PerformanceSchedule } from "../../../learners/tasks/difficulty_schedule.ts";
import { TaskSampler } from "../../../learners/tasks/task_sampler.ts";
import {
  analyzeFit,
  analyzeFitMean,
  ExperienceReplay,
  exploitPairs,
  GradientMonitor,
  perturbInt,
  perturbLog,
  PlateauScheduler,
} from "../../../meta/few_shot/mod.ts";

Deno.test("PlateauScheduler cuts the lr after `patience` observations without improvement", () => {
  const s = new PlateauScheduler({ lr: 1, patience: 3, factor: 0.5 });
  for (const loss of [1, 0.9, 0.8]) assert.equal(s.step(loss).changed, false);
  assert.equal(s.step(0.8).changed, false);
  assert.equal(s.step(0.8).changed, false);
  assert.deepEqual(s.step(0.8), { lr: 0.5, changed: true });
  assert.equal(s.step(0.5).changed, false); // improvement resets the count
});

Deno.test("PlateauScheduler never goes below minLr", () => {
  const s = new PlateauScheduler({ lr: 1, patience: 1, factor: 0.1, minLr: 0.05, mode: "max" });
  s.step(1);
  for (let i = 0; i < 5; i++) s.step(0);
  assert.equal(s.lr, 0.05);
});

Deno.test("analyzeFit flags a constructed overfitting run, an underfitting run and a healthy one", () => {
  assert.equal(analyzeFit(1.0, 0.4).verdict, "overfitting");
  assert.equal(analyzeFit(0.5, 0.45).verdict, "underfitting");
  assert.equal(analyzeFit(1.0, 0.9).verdict, "ok");
  const a = analyzeFitMean([1, 1, 1, 1], [0.2, 0.4, 0.6, 0.4]);
  assert.equal(a.verdict, "overfitting");
  assert.ok(Math.abs(a.gap - 0.6) < 1e-12);
});

Deno.test("GradientMonitor flags exploding, vanishing, spiking and non-finite norms", () => {
  const m = new GradientMonitor({ explode: 100, vanish: 1e-6, spike: 10 });
  for (const n of [1, 1.2, 0.9, 1.1]) assert.equal(m.observe(n), "ok");
  assert.equal(m.observe(50), "exploding"); // 50 > 10 x median
  assert.equal(m.observe(1e3), "exploding");
  assert.equal(m.observe(1e-9), "vanishing");
  assert.equal(m.observe(NaN), "non-finite");
  assert.equal(m.counts.ok, 4);
});

Deno.test("ExperienceReplay samples important tasks more often and evicts the least important", () => {
  const r = new ExperienceReplay({ capacity: 3, seed: 1 });
  r.add(1, 1);
  r.add(2, 9);
  r.add(3, 0.5);
  r.add(4, 0.1); // less important than everything: not kept
  r.add(5, 2); // evicts task 3
  const draws = r.sample(2000);
  const count = (id: number): number => draws.filter((d) => d === id).length;
  assert.equal(count(3), 0);
  assert.equal(count(4), 0);
  assert.ok(count(2) > 3 * count(5) && count(5) > count(1), `${count(1)} ${count(2)} ${count(5)}`);
});

Deno.test("TaskSampler (adaptive task selector) samples harder tasks more often", () => {
  const s = new TaskSampler(4, { seed: 3, temperature: 0.5 });
  s.updateMany([0, 1, 2, 3], [0.1, 0.1, 0.1, 2.0]);
  const draws = s.sample(1000);
  const hard = draws.filter((d) => d === 3).length;
  assert.ok(hard > 700, `hard task drawn ${hard} times of 1000`);
});

Deno.test("PerformanceSchedule (curriculum) moves from easy to hard as accuracy is met", () => {
  const c = new PerformanceSchedule({ threshold: 0.7, patience: 2, increment: 0.5 });
  assert.equal(c.difficulty(), 0);
  c.observe(0.8);
  c.observe(0.9);
  assert.equal(c.difficulty(), 0.5);
  c.observe(0.5);
  c.observe(0.8);
  assert.equal(c.difficulty(), 0.5);
  c.observe(0.8);
  assert.equal(c.difficulty(), 1);
});

Deno.test("exploitPairs gives each bottom-quartile candidate a top-quartile source", () => {
  const fitness = [0.1, 0.9, 0.5, 0.4, 0.8, NaN, 0.3, 0.7];
  const pairs = exploitPairs(fitness, 0.25, new Rng(1));
  assert.deepEqual(pairs.map((p) => p.target).sort(), [0, 5]);
  for (const p of pairs) assert.ok([1, 4].includes(p.source));
  assert.deepEqual(exploitPairs(fitness, 0.25, new Rng(1), [0, 1, 2]).map((p) => p.target), [0]);
});

Deno.test("perturbLog and perturbInt stay within bounds and follow a given direction", () => {
  const rng = new Rng(2);
  for (let i = 0; i < 100; i++) {
    const v = perturbLog(1, 2, rng, 0.5, 2);
    assert.ok(v >= 0.5 && v <= 2);
  }
  assert.equal(perturbInt(3, 0.3, rng, 1, 10, -1), 2);
  assert.equal(perturbInt(10, 0.3, rng, 1, 10, 1), 10);
});
