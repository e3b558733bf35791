import assert from "node:assert/strict";
import {
  chooseTile,
  MAX_TILE_ACCUMULATORS,
  planTiles,
  quadLayout,
  SMALL_TILE,
  tileLoads,
} from "../../../learners/mlp/mlp_tiles.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";

Deno.test("chooseTile() loads no more values than any other tile within the budget (brute force)", () => {
  for (
    const [rows, cols, shared] of [[64, 32, 32], [5, 65, 32], [67, 9, 13], [1, 1, 3], [33, 17, 5]]
  ) {
    for (
      const [budget, quad] of [
        [16, { rows: false, cols: false }],
        [64, { rows: false, cols: false }],
        [256, { rows: false, cols: false }],
        [64, { rows: false, cols: true }],
        [256, { rows: true, cols: true }],
      ] as const
    ) {
      const t = chooseTile(rows!, cols!, shared!, budget, quad);
      assert.ok(t.rows * t.cols <= budget, `${t.rows}x${t.cols} over budget ${budget}`);
      // A quad side is a multiple of 4 and at most the dimension rounded up to 4.
      const fits = (side: number, n: number, q: boolean) =>
        q ? side % 4 === 0 && side <= Math.ceil(n / 4) * 4 : side <= n;
      assert.ok(fits(t.rows, rows!, quad.rows) && fits(t.cols, cols!, quad.cols));
      const loads = tileLoads(rows!, cols!, shared!, t);
      for (let r = quad.rows ? 4 : 1; r <= rows! + 3; r += quad.rows ? 4 : 1) {
        for (let c = quad.cols ? 4 : 1; c <= cols! + 3; c += quad.cols ? 4 : 1) {
          if (r * c > budget || !fits(r, rows!, quad.rows) || !fits(c, cols!, quad.cols)) continue;
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
  const soloPlan = planTiles(w, { modelsPerGroup: 8, roles: 1 });
  const solo = soloPlan.layers;
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
  assert.deepEqual(planTiles(w, { modelsPerGroup: 8, roles: 4 }), soloPlan);
  const shared = planTiles(w, { modelsPerGroup: 1, roles: 64 }).layers;
  for (const l of shared) {
    assert.deepEqual(l.forward, { rows: SMALL_TILE, cols: SMALL_TILE });
    assert.deepEqual(l.grad, { rows: SMALL_TILE, cols: SMALL_TILE });
  }
});

Deno.test("planTiles() uses vec4 tiles exactly when the batch and every width but the outputs are multiples of 4", () => {
  const quad = mlpLayout({ size: 8, widths: [12, 20, 8, 3], batchSize: 12 });
  assert.ok(quadLayout(quad));
  for (const g of [{ modelsPerGroup: 8, roles: 1 }, { modelsPerGroup: 1, roles: 64 }]) {
    const plan = planTiles(quad, g);
    assert.equal(plan.vec4, true);
    // The sides a vec4 tile stores in 4s: forward and gradient columns, both sides of the delta.
    for (const l of plan.layers) {
      assert.equal(l.forward.cols % 4, 0);
      assert.equal(l.grad.cols % 4, 0);
      if (l.delta) assert.ok(l.delta.rows % 4 === 0 && l.delta.cols % 4 === 0);
    }
  }
  for (
    const spec of [
      { widths: [12, 20, 8, 3], batchSize: 10 },
      { widths: [13, 20, 3], batchSize: 12 },
      { widths: [12, 18, 3], batchSize: 12 },
    ]
  ) {
    const layout = mlpLayout({ size: 8, ...spec });
    assert.equal(quadLayout(layout), false);
    assert.equal(planTiles(layout, { modelsPerGroup: 8, roles: 1 }).vec4, false);
  }
});

Deno.test("planTiles() plans scalar tiles for a vec4 layout on request and rejects vec4 elsewhere", () => {
  const g = { modelsPerGroup: 8, roles: 1 };
  const quad = mlpLayout({ size: 8, widths: [12, 20, 8, 3], batchSize: 12 });
  const scalar = planTiles(quad, g, false);
  assert.equal(scalar.vec4, false);
  // A scalar gradient tile has the bias column: 20 + 1 inputs for layer 1.
  assert.ok(scalar.layers[1]!.grad.cols % 4 !== 0 || scalar.layers[1]!.grad.cols >= 21);
  const odd = mlpLayout({ size: 8, widths: [13, 20, 3], batchSize: 12 });
  assert.throws(() => planTiles(odd, g, true), RangeError);
  assert.throws(
    () => planTiles(odd, g, true),
    /must be multiples of 4: current widths \[13,20,3\]/,
  );
});

Deno.test("planTiles() keeps every tile within a smaller accumulator budget when asked", () => {
  const g = { modelsPerGroup: 8, roles: 1 };
  const w2 = mlpLayout({ size: 8, widths: [32, 128, 128, 5], batchSize: 32 });
  const big = planTiles(w2, g);
  for (const budget of [128, 64]) {
    const plan = planTiles(w2, g, true, budget);
    for (const l of plan.layers) {
      for (const t of [l.forward, l.grad, l.delta]) {
        if (t) assert.ok(t.rows * t.cols <= budget, `${t.rows}x${t.cols} > ${budget}`);
      }
    }
    assert.notDeepEqual(plan.layers, big.layers);
  }
});
