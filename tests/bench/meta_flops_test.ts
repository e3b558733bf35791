import assert from "node:assert/strict";
import { fomamlTaskFlop, samplePassFlop } from "../../bench/meta_flops.ts";

Deno.test("FOMAML task FLOP of the bench workload: 3,833,600 at 196-64-64-5, 5 x 5 + 25", () => {
  // 196*64 + 64*64 + 64*5 = 16,960 multiply-adds; deltas of layers 1-2: 4,096 + 320.
  assert.equal(samplePassFlop([196, 64, 64, 5]), 4 * 16_960 + 2 * 4_416);
  assert.equal(
    fomamlTaskFlop([196, 64, 64, 5], { support: 5, query: 25, innerSteps: 5 }),
    3_833_600,
  );
  // One layer: no input deltas.
  assert.equal(samplePassFlop([3, 2]), 24);
});
