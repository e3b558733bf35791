/**
 * The meta-update kernels (shaders/meta_*_update.wgsl) against their CPU twins, with seeded random
 * inputs, sizes that are not multiples of 64, quarantined models and offsets into shared buffers.
 */
import assert from "node:assert/strict";
import { createStorageBufferFrom, readF32 } from "../../../core/buffers.ts";
import type { GpuContext } from "../../../core/gpu_context.ts";
import { Rng } from "../../../core/rng.ts";
import {
  esMamlUpdateCpu,
  esMamlUpdateGpu,
  fomamlUpdateCpu,
  fomamlUpdateGpu,
  metaSgdUpdateCpu,
  metaSgdUpdateGpu,
  reptileUpdateCpu,
  reptileUpdateGpu,
} from "../../../learners/meta_train/mod.ts";
import { assertClose, gpuTest } from "../../helpers.ts";

const TOL = { atol: 1e-5, rtol: 1e-4 };

function normals(rng: Rng, n: number, scale = 1): Float32Array<ArrayBuffer> {
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** (P, 4) metrics with the quarantine flag set on every `every`-th model. */
function metricsOf(P: number, every: number): Float32Array<ArrayBuffer> {
  const m = new Float32Array(P * 4);
  for (let p = 0; p < P; p++) m[p * 4 + 2] = p % every === every - 1 ? 1 : 0;
  return m;
}

function up(ctx: GpuContext, a: Float32Array<ArrayBuffer>, label: string): GPUBuffer {
  return createStorageBufferFrom(ctx, a, label);
}

for (const [count, P, rowStride] of [[1, 1, 4], [63, 5, 67], [200, 13, 203]] as const) {
  gpuTest(
    `reptileUpdateGpu matches reptileUpdateCpu() when count=${count}, models=${P}`,
    async (ctx) => {
      const rng = new Rng(count + P);
      const rows = P + 2; // models 1..P of P+2 rows
      const adapted = normals(rng, rows * rowStride);
      const metrics = metricsOf(rows, 3);
      const theta = normals(rng, count + 5); // thetaOffset 5
      const o = { count, models: P, first: 1, rowStride, metaLr: 0.37, thetaOffset: 5 };
      const b = {
        adapted: up(ctx, adapted, "a"),
        metrics: up(ctx, metrics, "m"),
        theta: up(ctx, theta, "t"),
      };
      await reptileUpdateGpu(ctx, b, o);
      const got = await readF32(ctx, b.theta, theta.length);
      reptileUpdateCpu({ adapted, metrics, theta }, o);
      assertClose(got, theta, { ...TOL, what: "reptile theta" });
      for (const x of Object.values(b)) x.destroy();
    },
  );

  gpuTest(
    `fomamlUpdateGpu matches fomamlUpdateCpu() when count=${count}, models=${P}`,
    async (ctx) => {
      const rng = new Rng(7 * count + P);
      const grads = normals(rng, (P + 1) * rowStride, 0.1);
      grads[rowStride + 0] = NaN; // model 1 has a NaN entry but no flag: that mean counts as 0
      const metrics = metricsOf(P + 1, 4);
      const theta = normals(rng, count);
      const moments = Float32Array.from(
        normals(rng, 2 * count + 3, 0.01),
        (x, i) => i >= count + 3 ? Math.abs(x) : x,
      );
      const o = { count, models: P, rowStride, lr: 0.01, t: 3, vOffset: count + 3 };
      const b = {
        grads: up(ctx, grads, "g"),
        metrics: up(ctx, metrics, "m"),
        theta: up(ctx, theta, "t"),
        moments: up(ctx, moments, "mo"),
        gOut: up(ctx, new Float32Array(count), "g"),
      };
      for (let step = 0; step < 2; step++) {
        await fomamlUpdateGpu(ctx, b, { ...o, t: o.t + step });
      }
      const gotTheta = await readF32(ctx, b.theta, theta.length);
      const gotMoments = await readF32(ctx, b.moments, moments.length);
      const gotG = await readF32(ctx, b.gOut, count);
      const gOut = new Float32Array(count);
      for (let step = 0; step < 2; step++) {
        fomamlUpdateCpu({ grads, metrics, theta, moments, gOut }, { ...o, t: o.t + step });
      }
      assertClose(gotG, gOut, { ...TOL, what: "fomaml mean gradient" });
      assertClose(gotTheta, theta, { ...TOL, what: "fomaml theta" });
      assertClose(gotMoments, moments, { ...TOL, what: "fomaml moments" });
      for (const x of Object.values(b)) x.destroy();
    },
  );

  gpuTest(
    `esMamlUpdateGpu matches esMamlUpdateCpu() when count=${count}, pairs=${P}`,
    async (ctx) => {
      const rng = new Rng(11 * count + P);
      const losses = Float32Array.from({ length: 2 * P }, () => 1 + rng.uniform());
      if (P > 1) losses[3] = Infinity; // replaced by the largest finite loss
      const noise = normals(rng, P * count);
      const theta = normals(rng, count);
      const moments = new Float32Array(2 * count);
      const o = { count, pairs: P, sigma: 0.05, lr: 0.02, t: 1 };
      const b = {
        losses: up(ctx, losses, "l"),
        noise: up(ctx, noise, "n"),
        theta: up(ctx, theta, "t"),
        moments: up(ctx, moments, "mo"),
        gOut: up(ctx, new Float32Array(count), "g"),
      };
      await esMamlUpdateGpu(ctx, b, o);
      const gotTheta = await readF32(ctx, b.theta, theta.length);
      const gotMoments = await readF32(ctx, b.moments, moments.length);
      const gotG = await readF32(ctx, b.gOut, count);
      const g = esMamlUpdateCpu({ losses, noise, theta, moments }, o);
      assertClose(gotG, g, { ...TOL, what: "es-maml gradient" });
      assertClose(gotTheta, theta, { ...TOL, what: "es-maml theta" });
      assertClose(gotMoments, moments, { ...TOL, what: "es-maml moments" });
      for (const x of Object.values(b)) x.destroy();
    },
  );

  gpuTest(
    `metaSgdUpdateGpu matches metaSgdUpdateCpu() when count=${count}, models=${P}`,
    async (ctx) => {
      const rng = new Rng(13 * count + P);
      const queryGrads = normals(rng, P * rowStride, 0.1);
      const supportGradSums = normals(rng, P * rowStride, 0.3);
      const metrics = metricsOf(P, 5);
      const theta = normals(rng, count);
      const alpha = Float32Array.from({ length: count }, () => 0.1 * rng.uniform());
      const moments = new Float32Array(4 * count);
      const o = { count, models: P, rowStride, lr: 0.01, alphaLr: 0.003, alphaMax: 0.08, t: 1 };
      const b = {
        queryGrads: up(ctx, queryGrads, "q"),
        supportGradSums: up(ctx, supportGradSums, "s"),
        metrics: up(ctx, metrics, "m"),
        theta: up(ctx, theta, "t"),
        alpha: up(ctx, alpha, "a"),
        moments: up(ctx, moments, "mo"),
        gOut: up(ctx, new Float32Array(count), "g"),
      };
      await metaSgdUpdateGpu(ctx, b, o);
      const got = [
        await readF32(ctx, b.theta, count),
        await readF32(ctx, b.alpha, count),
        await readF32(ctx, b.moments, 4 * count),
        await readF32(ctx, b.gOut, count),
      ];
      const gT = metaSgdUpdateCpu(
        { queryGrads, supportGradSums, metrics, theta, alpha, moments },
        o,
      );
      assertClose(got[3]!, gT, { ...TOL, what: "meta-sgd g_theta" });
      assertClose(got[0]!, theta, { ...TOL, what: "meta-sgd theta" });
      assertClose(got[1]!, alpha, { ...TOL, what: "meta-sgd alpha" });
      assertClose(got[2]!, moments, { ...TOL, what: "meta-sgd moments" });
      assert.ok(alpha.every((a) => a >= 0 && a <= 0.08));
      for (const x of Object.values(b)) x.destroy();
    },
  );
}
