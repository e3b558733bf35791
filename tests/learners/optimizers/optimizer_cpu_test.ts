import assert from "node:assert/strict";
import { LEARNED_STRIDE } from "../../../learners/optimizers/knobs.ts";
import { learnedFeatures, learnedLrScale } from "../../../learners/optimizers/optimizer_cpu.ts";
import { randomLearned } from "../mlp/_cases.ts";

Deno.test("learnedFeatures() and learnedLrScale() are finite on extreme states", () => {
  const w = randomLearned(1, 5);
  // Large weights saturate every unit; the output clamp keeps the scale within e^-4..e^4.
  const big = w.map((v) => v * 1e6);
  const states: [number, number, number, number, number, number][] = [
    [0, 0, 0, 0, 0, 0], // zero loss, zero gradient, zero weights, first step
    [1e30, 0, 0, 1, 3, 10], // huge loss after a zero one
    [3e38, 1e-30, 3e38, 3e38, 7, 5], // f32 max everywhere
    [0, 3e38, 1e-40, 1e-40, 1e9, 1], // collapse of the loss, denormal norms
  ];
  for (const st of states) {
    const f = learnedFeatures(...st);
    assert.ok(f.every(Number.isFinite), `features finite for ${st}: ${f}`);
    assert.ok(f.every((v) => Math.abs(v) < 100), `features bounded for ${st}: ${f}`);
    for (const row of [w, big, new Float32Array(LEARNED_STRIDE)]) {
      const s = learnedLrScale(row, 0, f);
      assert.ok(s >= Math.exp(-4) - 1e-12 && s <= Math.exp(4) + 1e-9, `scale ${s} for ${st}`);
    }
  }
  assert.equal(
    learnedLrScale(new Float32Array(LEARNED_STRIDE), 0, learnedFeatures(1, 1, 1, 1, 1, 1)),
    1,
  );
});
