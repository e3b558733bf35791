import assert from "node:assert/strict";
import {
  chooseGrouping,
  evalChunkIterations,
  evalChunksPerDispatch,
  LOOP_BUDGET,
  SOFTWARE_GROUPINGS,
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
