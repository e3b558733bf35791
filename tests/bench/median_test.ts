import assert from "node:assert/strict";
import { median } from "../../bench/bench.ts";
import type { BenchRow } from "../../bench/workloads.ts";

function row(msps: number): BenchRow {
  return {
    workload: "W",
    backend: "gpu",
    population: 1,
    model_steps_per_s: msps,
    gflops: 0,
    steps: 1,
    seconds: 1,
  };
}

Deno.test("bench median picks the middle row, the lower middle for an even count, skipping gaps", () => {
  assert.equal(median([row(5), row(1), row(3)])?.model_steps_per_s, 3);
  assert.equal(median([row(4), row(1), row(3), row(2)])?.model_steps_per_s, 2);
  assert.equal(median([undefined, row(7), undefined])?.model_steps_per_s, 7);
  assert.equal(median([undefined, undefined]), undefined);
});
