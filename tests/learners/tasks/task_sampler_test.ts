import assert from "node:assert/strict";
import { TaskSampler } from "../../../learners/tasks/task_sampler.ts";

Deno.test("TaskSampler favours high-loss tasks and keeps the floor", () => {
  const sampler = new TaskSampler(10, { temperature: 2, floor: 0.01, seed: 123 });
  for (let t = 0; t < 10; t++) sampler.update(t, t); // task 9 is hardest
  const draws = sampler.sample(20000);
  const counts = new Array(10).fill(0);
  for (const t of draws) counts[t]++;
  const p = sampler.probabilities();
  for (let t = 0; t < 10; t++) {
    assert.ok(p[t]! >= 0.01);
    // Observed frequency within 5 standard deviations of the probability.
    const sd = Math.sqrt(p[t]! * (1 - p[t]!) / 20000);
    assert.ok(Math.abs(counts[t] / 20000 - p[t]!) < 5 * sd + 1e-9, `task ${t}: ${counts[t]}`);
  }
  assert.ok(counts[9] > 5 * counts[0], `hard ${counts[9]} vs easy ${counts[0]}`);
  assert.ok(counts[9] > counts[7] && counts[7] > counts[4]);
  assert.ok(counts[0] > 0, "the floor keeps easy tasks sampled");
});

Deno.test("TaskSampler samples uniformly before any loss and treats unseen tasks as hardest", () => {
  const s = new TaskSampler(4, { floor: 0 });
  assert.deepEqual(Array.from(s.probabilities()), [0.25, 0.25, 0.25, 0.25]);
  s.update(0, 1);
  s.update(1, 3);
  const p = s.probabilities();
  assert.ok(Math.abs(p[1]! - p[2]!) < 1e-12 && p[1]! > p[0]!);
});

Deno.test("TaskSampler.state resumes the exact sequence", () => {
  const s = new TaskSampler(5, { seed: 9 });
  s.updateMany([0, 1, 2, 3, 4], [1, 2, 3, 4, 5]);
  s.sample(7);
  const restored = TaskSampler.fromState(s.state());
  assert.deepEqual(restored.sample(50), s.sample(50));
});

Deno.test("TaskSampler moving average and option checks", () => {
  const s = new TaskSampler(2, { decay: 0.5 });
  s.update(0, 4);
  s.update(0, 2);
  assert.equal(s.recentLosses()[0], 3);
  assert.throws(() => new TaskSampler(4, { floor: 0.3 }), /floor must be in \[0, 0.25\]/);
  assert.throws(() => s.update(2, 1), /task must be in \[0, 1\]/);
});
