import assert from "node:assert/strict";
import {
  chooseTile,
  MAX_TILE_ACCUMULATORS,
  planTiles,
  SMALL_TILE,
  tileLoads,
} from "../../learners/mlp_tiles.ts";
import { mlpLayout } from "../../learners/mlp_layout.ts";

Deno.test("chooseTile() loads no more values than any other tile within the budget (brute force)", () => {
  for (
    const [rows, cols, shared] of [[64, 32, 32], [5, 65, 32], [67, 9, 13], [1, 1, 3], [33, 17, 5]]
  ) {
    for (const budget of [16, 64, 256]) {
      const t = chooseTile(rows!, cols!, shared!, budget);
      assert.ok(t.rows * t.cols <= budget, `${t.rows}x${t.cols} over budget ${budget}`);
      assert.ok(t.rows <= rows! && t.cols <= cols!);
      const loads = tileLoads(rows!, cols!, shared!, t);
      for (let r = 1; r <= rows!; r++) {
        for (let c = 1; c <= cols!; c++) {
          if (r * c > budget) continue;
          const other = tileLoads(rows!, cols!, shared!, { rows: r, cols: c });
          assert.ok(
            loads <= other,
            `${rows}x${cols}: ${t.rows}x${t.cols} loads ${loads} > ${r}x${c} loads ${other}`,
          );
        }
      }
    }
  }
});

Deno.test("planTiles() picks big tiles with few invocations per model and small ones with many", () => {
  const w = mlpLayout({ size: 8, widths: [32, 64, 5], batchSize: 32 });
  const solo = planTiles(w, { modelsPerGroup: 8, roles: 1 });
  assert.equal(solo.length, 2);
  assert.equal(solo[0]!.delta, null);
  assert.ok(solo[1]!.delta);
  for (const l of solo) {
    for (const t of [l.forward, l.grad, l.delta].filter((t) => t !== null)) {
      assert.ok(t.rows * t.cols <= MAX_TILE_ACCUMULATORS);
    }
  }
  // Layer 0's forward product (64 units x 32 samples) gets more than 8 x 8 outputs per tile.
  assert.ok(solo[0]!.forward.rows * solo[0]!.forward.cols > SMALL_TILE * SMALL_TILE);
  assert.deepEqual(planTiles(w, { modelsPerGroup: 8, roles: 4 }), solo);
  const shared = planTiles(w, { modelsPerGroup: 1, roles: 64 });
  for (const l of shared) {
    assert.deepEqual(l.forward, { rows: SMALL_TILE, cols: SMALL_TILE });
    assert.deepEqual(l.grad, { rows: SMALL_TILE, cols: SMALL_TILE });
  }
});
