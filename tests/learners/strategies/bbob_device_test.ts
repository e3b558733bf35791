// Parity of bbob_eval.wgsl with bbobBatch(): every function of the suite, D = 2, 10, 37 and 100,
// random points in [-5, 5]^D and points near the optimum.
import { assertClose, gpuTest } from "../../helpers.ts";
import { createStorageBuffer, createStorageBufferFrom, readF32 } from "../../../core/buffers.ts";
import { Rng } from "../../../core/rng.ts";
import { BbobDevice } from "../../../learners/strategies/bbob_device.ts";
import { BBOB_IDS, bbobBatch, bbobInstance } from "../../../learners/tasks/bbob.ts";

for (const dim of [2, 10, 37, 100]) {
  gpuTest(
    `bbob_eval kernel matches bbobBatch() for all ${BBOB_IDS.length} functions when D=${dim}`,
    async (ctx) => {
      const N = 7;
      const insts = BBOB_IDS.map((fid, s) => bbobInstance(fid, dim, s, 5));
      const rng = new Rng(dim, 9);
      const x = new Float32Array(insts.length * N * dim);
      insts.forEach((o, s) => {
        for (let i = 0; i < N; i++) {
          for (let d = 0; d < dim; d++) {
            // Points 0-2 near the optimum, the rest anywhere in the domain.
            x[(s * N + i) * dim + d] = i < 3 ? o.xopt[d]! + 0.01 * rng.normal() : rng.range(-5, 5);
          }
        }
      });
      const want = new Float64Array(insts.length * N);
      insts.forEach((o, s) =>
        want.set(bbobBatch(o, x.subarray(s * N * dim, (s + 1) * N * dim), N), s * N)
      );
      const dev = await BbobDevice.create(ctx, insts);
      const xb = createStorageBufferFrom(ctx, x, "x");
      const fb = createStorageBuffer(ctx, insts.length * N * 4, "fitness");
      const owned: GPUBuffer[] = [];
      const enc = ctx.device.createCommandEncoder();
      dev.encode(enc, { x: xb, fitness: fb, sizes: { popSize: N, dim }, owned });
      ctx.device.queue.submit([enc.finish()]);
      const got = await readF32(ctx, fb, insts.length * N);
      assertClose(got, want, { atol: 2e-3, rtol: 2e-3, what: `D=${dim} f - f_opt` });
      for (const b of [xb, fb, ...owned]) b.destroy();
      dev.destroy();
    },
  );
}
