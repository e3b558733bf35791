import assert from "node:assert/strict";
import { probeFma, probeStorage, trainStepAccesses } from "../../bench/roofline.ts";
import { mlpLayout } from "../../learners/mlp/mlp_layout.ts";
import { assertClose, gpuTest } from "../helpers.ts";

// The roofline's probe kernels against their CPU twins, on invocation counts that are not
// multiples of the workgroup size (8).
for (const n of [1, 37, 200]) {
  gpuTest(`probe_storage kernel matches probeStorageCpu() when n=${n}`, async (ctx) => {
    const r = await probeStorage(ctx, n, 24, 3, 1);
    assert.equal(r.out.length, n);
    assertClose(r.out, r.expected, { rtol: 1e-5, atol: 1e-5 });
    assert.ok(r.readsPerSecond > 0 && Number.isFinite(r.readsPerSecond));
  });
  gpuTest(
    `probe_storage kernel with vec4 reads matches probeStorageCpu() when n=${n}`,
    async (ctx) => {
      const r = await probeStorage(ctx, n, 24, 3, 1, true);
      assert.equal(r.out.length, n);
      assertClose(r.out, r.expected, { rtol: 1e-5, atol: 1e-5 });
      assert.ok(r.readsPerSecond > 0 && Number.isFinite(r.readsPerSecond));
    },
  );
  gpuTest(`probe_fma kernel matches probeFmaCpu() when n=${n}`, async (ctx) => {
    const r = await probeFma(ctx, n, 50, 1);
    assert.equal(r.out.length, n);
    assertClose(r.out, r.expected, { rtol: 1e-5, atol: 1e-5 });
    assert.ok(r.flopsPerSecond > 0 && Number.isFinite(r.flopsPerSecond));
  });
}

Deno.test("trainStepAccesses() counts W's vec4 tiles as counted by hand", () => {
  // W (32-64-5, batch 32) has vec4 tiles: forward 16x16 (8 tiles) and 5x32, gradient 16x16 (8) and
  // 5x32 (2), delta 16x16 (8). Per tile: loop steps x (R + C) vec4 loads (the delta loop loads
  // (R + C) / 4 per step) plus the stored groups of 4 (forward: R per group; gradient and delta:
  // a read and a store).
  const w = mlpLayout({ size: 1, widths: [32, 64, 5], batchSize: 32 });
  const a = trainStepAccesses(w, "tiles");
  const forward4 = 8 * (8 * 32 + 16 * 4) + (16 * 37 + 5 * 8);
  const backward4 = 8 * (8 * 32 + 2 * 16 * 4) + 2 * (8 * 37 + 2 * 5 * 8) + 8 * (5 * 8 + 2 * 16 * 4);
  assert.equal(a.vec4, forward4 + backward4);
  // Scalar: biases and batch indices (forward), batch indices and bias gradients (backward).
  assert.equal(a.forward, forward4 + 8 * (16 + 16) + 5);
  assert.equal(a.backward, backward4 + 8 * 4 * 8 + 4 * 2 * 16 + 2 * 5);
  assert.equal(a.loss, 32 * (2 + 4 * 5));
  assert.equal(a.total, a.forward + a.loss + a.backward + a.update);
  // A layout with an odd width keeps scalar tiles.
  assert.equal(
    trainStepAccesses(mlpLayout({ size: 1, widths: [33, 64, 5], batchSize: 32 })).vec4,
    0,
  );
});

Deno.test("trainStepAccesses() counts W's fused step as counted by hand, under 4,000", () => {
  // Fused W: 32 batch indices and 32 x 8 vec4 input loads, 5 output biases; per hidden unit (64)
  // in each of the two loops 8 vec4 weights, a bias and 5 outgoing weights, stored again in the
  // backward loop; 32 labels and the smoothing knob; the 5 output biases stored.
  const a = trainStepAccesses(mlpLayout({ size: 1, widths: [32, 64, 5], batchSize: 32 }));
  assert.equal(a.forward, 32 + 32 * 8 + 5 + 64 * 14);
  assert.equal(a.loss, 33);
  assert.equal(a.backward, 2 * 64 * 14 + 5);
  assert.equal(a.vec4, 32 * 8 + 3 * 64 * 8);
  assert.equal(a.total, 3043);
  assert.ok(a.total <= 4000);
  // Two hidden layers keep the tiles.
  const w2 = mlpLayout({ size: 1, widths: [32, 128, 128, 5], batchSize: 32 });
  assert.deepEqual(trainStepAccesses(w2), trainStepAccesses(w2, "tiles"));
});

Deno.test("trainStepAccesses() counts the two-hidden-layer fused step of 196-64-64-5 at batch 5 by hand", () => {
  // Chunks of 16 units (4 per hidden layer), 49 input quads, 16 quads per hidden layer, B = 5.
  // Forward: 5 batch indices; layer 1 per chunk 4 bias quads, 49 steps of 5 inputs + 16 weights,
  // 5 x 4 stores; layer 2 the same over 16 steps; the outputs 16 steps of 5 + 5; 5 output biases.
  const a = trainStepAccesses(mlpLayout({ size: 1, widths: [196, 64, 64, 5], batchSize: 5 }));
  const layer1 = 4 * (4 + 49 * 21 + 20);
  const layer2 = 4 * (4 + 16 * 21 + 20);
  assert.equal(a.forward, 5 + layer1 + layer2 + 16 * 10 + 5);
  assert.equal(a.loss, 6);
  // Back 3: 16 steps of h2, 5 W3 loads and stores, h2's deltas, b2 load and store. Back 2 per
  // chunk: 5 x 4 delta loads, 16 steps of h1, e read and written, 16 W2 loads and stores; then 16
  // steps of e, h1, the deltas stored, b1 load and store. Back 1 per chunk: the deltas, 49 steps of
  // 5 inputs and 16 W1 loads and stores. The 5 output-bias gradients.
  const back2 = 4 * (20 + 16 * (15 + 32)) + 16 * 17;
  assert.equal(a.backward, 16 * 22 + back2 + 4 * (20 + 49 * 37) + 5);
  assert.equal(a.total, 16_901);
  assert.ok(
    a.total < trainStepAccesses(
          mlpLayout({
            size: 1,
            widths: [196, 64, 64, 5],
            batchSize: 5,
          }),
          "tiles",
        ).total / 4,
  );
});
