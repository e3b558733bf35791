import assert from "node:assert/strict";
import { Rng, rngInt, rngNormal, rngNormalPair, rngUniform, threefry2x32 } from "../../core/rng.ts";
import { createStorageBufferFrom, readF32 } from "../../core/buffers.ts";
import { RNG_WGSL, rngFillCpu, rngFillGpu } from "../../core/rng_fill.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { composeWgsl, getPipeline } from "../../core/pipelines.ts";
import { assertClose, gpuTest } from "../helpers.ts";

Deno.test("threefry2x32 matches the Random123 known-answer vectors", () => {
  // Known-answer tests from Random123's kat_vectors for threefry2x32_20.
  assert.deepEqual(threefry2x32(0, 0, 0, 0), [0x6b200159, 0x99ba4efe]);
  assert.deepEqual(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff), [
    0x1cb996fc,
    0xbb002be7,
  ]);
  assert.deepEqual(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3), [
    0xc4923a9c,
    0x483df7a0,
  ]);
});

Deno.test("Rng restores its exact sequence from state()", () => {
  const a = new Rng(42, 7);
  for (let i = 0; i < 10; i++) a.u32();
  const b = Rng.fromState(a.state());
  for (let i = 0; i < 20; i++) assert.equal(a.uniform(), b.uniform());
});

Deno.test("rngUniform lies in [0, 1) and has mean near 0.5", () => {
  let s = 0;
  for (let i = 0; i < 20000; i++) {
    const u = rngUniform(1, 2, i);
    assert.ok(u >= 0 && u < 1);
    s += u;
  }
  assert.ok(Math.abs(s / 20000 - 0.5) < 0.01);
  assert.throws(() => rngInt(1, 2, 0, 0), /n must be in \[1, 2\^32\)/);
});

gpuTest(
  "rng_fill kernel matches rngFillCpu() bit for bit (words, uniforms) when n=1000",
  async (ctx) => {
    {
      for (
        const opts of [{ seed: 1, stream: 0 }, {
          seed: 0xdeadbeef,
          stream: 37,
          base: 4000000000,
          c1: 5,
        }]
      ) {
        const cpu = rngFillCpu(1000, opts);
        const gpu = await rngFillGpu(ctx, 1000, opts);
        assert.deepEqual(gpu.words, cpu.words);
        assert.deepEqual(gpu.uniforms, cpu.uniforms);
        assertClose(gpu.normals, cpu.normals, { atol: 1e-5, rtol: 1e-5, what: "normals" });
      }
    }
  },
);

Deno.test("rngNormalPair: its first normal is rngNormal's, the pair is standard normal and uncorrelated", () => {
  const n = 20000;
  let s0 = 0, s1 = 0, q0 = 0, q1 = 0, cross = 0;
  for (let i = 0; i < n; i++) {
    const [x, y] = rngNormalPair(7, 3, i);
    assert.equal(x, rngNormal(7, 3, i));
    s0 += x;
    s1 += y;
    q0 += x * x;
    q1 += y * y;
    cross += x * y;
  }
  for (const m of [s0 / n, s1 / n, cross / n]) assert.ok(Math.abs(m) < 0.03, `${m}`);
  for (const v of [q0 / n, q1 / n]) assert.ok(Math.abs(v - 1) < 0.04, `${v}`);
});

/** -ln((k + 1) 2^-24) for each k, computed by the WGSL helper rng_neg_log_unit on the GPU. */
async function negLogUnitGpu(ctx: GpuContext, ks: Uint32Array<ArrayBuffer>): Promise<Float32Array> {
  const code = `@group(0) @binding(0) var<storage, read_write> io: array<u32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < arrayLength(&io)) { io[g.x] = bitcast<u32>(rng_neg_log_unit(io[g.x])); }
}`;
  const src = composeWgsl([RNG_WGSL, { file: "tests/core/rng_test.ts", code }]);
  const pipeline = await getPipeline(ctx, "rng_neg_log_unit_test", src);
  const io = createStorageBufferFrom(ctx, ks.slice(), "neg-log-io");
  const bind = ctx.device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: io } }],
  });
  const enc = ctx.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(Math.ceil(ks.length / 64));
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
  const out = await readF32(ctx, io, ks.length);
  io.destroy();
  return out;
}

gpuTest(
  "rng_neg_log_unit: -ln(u1) relatively exact near u1 = 1 (series), within log's 2^-21 elsewhere",
  async (ctx) => {
    const top = 16777215; // u1 = 1: -ln = 0
    const near = [0, 1, 2, 3, 17, 1000, 65535, 1 << 20, 2097150, 2097151, 2097152, 2097153];
    const far = [2097155, 3000000, 8388607, 8388608, 16000000, top - 1, top];
    const ks = new Uint32Array([...near.map((d) => top - d), ...far.map((d) => top - d)]);
    const want = Array.from(ks, (k) => -Math.log((k + 1) / 16777216));
    const got = await negLogUnitGpu(ctx, ks);
    assert.equal(got[0], 0);
    // x = 1 - u1 < 1/8 (the first `near` entries up to 2097151): the series, relatively exact.
    for (let i = 1; i < near.length; i++) {
      const tol = near[i]! < 2097152 ? 4e-7 * want[i]! : 2 ** -21 + 1e-6 * want[i]!;
      assert.ok(
        Math.abs(got[i]! - want[i]!) <= tol,
        `k = ${ks[i]}: got ${got[i]}, want ${want[i]}`,
      );
    }
    for (let i = near.length; i < ks.length; i++) {
      const tol = 2 ** -21 + 1e-6 * want[i]!;
      assert.ok(
        Math.abs(got[i]! - want[i]!) <= tol,
        `k = ${ks[i]}: got ${got[i]}, want ${want[i]}`,
      );
    }
  },
);
