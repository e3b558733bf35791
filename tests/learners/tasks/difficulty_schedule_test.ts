import assert from "node:assert/strict";
import {
  linearSchedule,
  PerformanceSchedule,
  stepSchedule,
} from "../../../learners/tasks/difficulty_schedule.ts";

Deno.test("linearSchedule ramps from start to end and then holds", () => {
  const s = linearSchedule({ start: 0.2, end: 1, steps: 100 });
  assert.equal(s.difficulty(0), 0.2);
  assert.ok(Math.abs(s.difficulty(50) - 0.6) < 1e-12);
  assert.equal(s.difficulty(100), 1);
  assert.equal(s.difficulty(1000), 1);
});

Deno.test("stepSchedule moves through its levels every N steps", () => {
  const s = stepSchedule({ levels: [0, 0.5, 0.9], every: 10 });
  assert.deepEqual([0, 9, 10, 25, 500].map((t) => s.difficulty(t)), [0, 0, 0.5, 0.9, 0.9]);
  assert.throws(
    () => stepSchedule({ levels: [0, 2], every: 1 }),
    /levels\[1\] must be in \[0, 1\]/,
  );
});

Deno.test("PerformanceSchedule promotes after patience successes and resets on a miss", () => {
  const s = new PerformanceSchedule({ threshold: 0.8, increment: 0.25, patience: 2 });
  s.observe(0.9);
  s.observe(0.5); // miss resets
  s.observe(0.9);
  assert.equal(s.difficulty(), 0);
  s.observe(0.85);
  assert.equal(s.difficulty(), 0.25);
  for (let i = 0; i < 20; i++) s.observe(1);
  assert.equal(s.difficulty(), 1);
  const loss = new PerformanceSchedule({ threshold: 0.1, mode: "min", patience: 1 });
  loss.observe(0.05);
  assert.ok(Math.abs(loss.difficulty() - 0.1) < 1e-12);
});
