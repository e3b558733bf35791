import assert from "node:assert/strict";
import {
  chooseGrouping,
  evalChunkIterations,
  evalChunksPerDispatch,
  LOOP_BUDGET,
  SOFTWARE_GROUPINGS,
  softwareTilePlan,
  trainIterations,
} from "../../../learners/mlp/loop_budget.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";

Deno.test("chooseGrouping() picks one model per lane for small models and more invocations for large ones", () => {
  const small = mlpLayout({ size: 1024, widths: [32, 64, 5], batchSize: 32 });
  assert.deepEqual(chooseGrouping(small, SOFTWARE_GROUPINGS), { modelsPerGroup: 8, roles: 1 });
  const large = mlpLayout({ size: 4, widths: [20, 256, 100, 4], batchSize: 3 });
  const g = chooseGrouping(large, SOFTWARE_GROUPINGS);
  assert.ok(g.roles > 1, `roles ${g.roles}`);
  assert.ok(trainIterations(large, g) <= LOOP_BUDGET);
  assert.ok(trainIterations(large, SOFTWARE_GROUPINGS[0]!) > LOOP_BUDGET);
});

Deno.test("chooseGrouping() rejects a shape no grouping can train within the loop budget", () => {
  const huge = mlpLayout({ size: 1, widths: [256, 256, 256, 256, 256], batchSize: 1024 });
  assert.throws(() => chooseGrouping(huge, SOFTWARE_GROUPINGS), /loop iterations per invocation/);
});

Deno.test("evalChunksPerDispatch() keeps each dispatch within the loop budget", () => {
  for (const widths of [[196, 256, 10], [32, 64, 5], [3, 5, 2]]) {
    const l = mlpLayout({ size: 8, widths, batchSize: 64 });
    const g = chooseGrouping(l, SOFTWARE_GROUPINGS);
    const n = evalChunksPerDispatch(l, g);
    assert.ok(n >= 1);
    assert.ok(n * evalChunkIterations(l, g) <= LOOP_BUDGET, `${widths}: ${n} chunks`);
  }
});

Deno.test("chooseGrouping() keeps smaller tiles within the loop budget too", () => {
  const w2 = mlpLayout({ size: 8, widths: [32, 128, 128, 5], batchSize: 32 });
  assert.deepEqual(chooseGrouping(w2, SOFTWARE_GROUPINGS), { modelsPerGroup: 8, roles: 1 });
  // Tiles of at most 128 accumulators load more per step: one invocation per model would exceed it.
  const g = chooseGrouping(w2, SOFTWARE_GROUPINGS, 128);
  assert.deepEqual(g, { modelsPerGroup: 8, roles: 2 });
  assert.ok(trainIterations(w2, g, softwareTilePlan(w2, g, undefined, 128)) <= LOOP_BUDGET);
  const one = SOFTWARE_GROUPINGS[0]!;
  assert.ok(trainIterations(w2, one, softwareTilePlan(w2, one, undefined, 128)) > LOOP_BUDGET);
});
