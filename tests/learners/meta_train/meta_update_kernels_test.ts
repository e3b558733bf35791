/**
 * The meta-update kernels (shaders/meta_*_update.wgsl) against their CPU twins, with seeded random
 * inputs, sizes that are not multiples of 64, quarantined models and offsets into shared buffers.
 */
import assert from "node:assert/strict";
import { createStorageBufferFrom, readF32 } from "../../../core/buffers.ts";
import type { GpuContext } from "../../../core/gpu_context.ts";
import { Rng } from "../../../core/rng.ts";
import {
  dispatchMetaKernel,
  ES_MAML_UPDATE,
  esMamlUpdateCpu,
  esMamlUpdateRun,
  FOMAML_UPDATE,
  fomamlUpdateCpu,
  fomamlUpdateRun,
  META_SGD_UPDATE,
  type MetaKernel,
  type MetaRun,
  metaSgdUpdateCpu,
  metaSgdUpdateRun,
  REPTILE_UPDATE,
  reptileUpdateCpu,
  reptileUpdateRun,
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

/** Asserts each array of `want` is close to the array of `got` of the same name. */
function assertAllClose(
  got: Record<string, Float32Array>,
  want: Record<string, ArrayLike<number>>,
  what: string,
): void {
  for (const [k, w] of Object.entries(want)) {
    assertClose(got[k]!, w, { ...TOL, what: `${what} ${k}` });
  }
}

/**
 * Uploads `host` (arrays by binding name), runs `kernel` `steps` times with the run `make` builds
 * for step s, and reads every array back (before the CPU twin updates `host` in place).
 */
async function runKernel<K extends string>(
  ctx: GpuContext,
  kernel: MetaKernel,
  host: Record<K, Float32Array<ArrayBuffer>>,
  make: (b: Record<K, GPUBuffer>, step: number) => MetaRun,
  steps = 1,
): Promise<Record<K, Float32Array>> {
  const names = Object.keys(host) as K[];
  const b = {} as Record<K, GPUBuffer>;
  for (const k of names) b[k] = createStorageBufferFrom(ctx, host[k], k);
  for (let step = 0; step < steps; step++) await dispatchMetaKernel(ctx, kernel, make(b, step));
  const got = {} as Record<K, Float32Array>;
  for (const k of names) got[k] = await readF32(ctx, b[k], host[k].length);
  for (const k of names) b[k].destroy();
  return got;
}

for (const [count, P, rowStride] of [[1, 1, 4], [63, 5, 67], [200, 13, 203]] as const) {
  gpuTest(
    `meta_reptile_update kernel matches reptileUpdateCpu() when count=${count}, models=${P}`,
    async (ctx) => {
      const rng = new Rng(count + P);
      const rows = P + 2; // models 1..P of P+2 rows
      const adapted = normals(rng, rows * rowStride);
      const metrics = metricsOf(rows, 3);
      const theta = normals(rng, count + 5); // thetaOffset 5
      const o = { count, models: P, first: 1, rowStride, metaLr: 0.37, thetaOffset: 5 };
      const host = { adapted, metrics, theta };
      const got = await runKernel(ctx, REPTILE_UPDATE, host, (b) => reptileUpdateRun(b, o));
      reptileUpdateCpu(host, o);
      assertClose(got.theta, theta, { ...TOL, what: "reptile theta" });
    },
  );

  gpuTest(
    `meta_fomaml_update kernel matches fomamlUpdateCpu() when count=${count}, models=${P}`,
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
      const host = { grads, metrics, theta, moments, gOut: new Float32Array(count) };
      const step = (s: number) => ({ ...o, t: o.t + s });
      const got = await runKernel(
        ctx,
        FOMAML_UPDATE,
        host,
        (b, s) => fomamlUpdateRun(b, step(s)),
        2,
      );
      for (let s = 0; s < 2; s++) fomamlUpdateCpu(host, step(s));
      assertAllClose(got, { gOut: host.gOut, theta, moments }, "fomaml");
    },
  );

  gpuTest(
    `meta_es_maml_update kernel matches esMamlUpdateCpu() when count=${count}, pairs=${P}`,
    async (ctx) => {
      const rng = new Rng(11 * count + P);
      const losses = Float32Array.from({ length: 2 * P }, () => 1 + rng.uniform());
      if (P > 1) losses[3] = Infinity; // replaced by the largest finite loss
      const noise = normals(rng, P * count);
      const theta = normals(rng, count);
      const moments = new Float32Array(2 * count);
      const o = { count, pairs: P, sigma: 0.05, lr: 0.02, t: 1 };
      const host = { losses, noise, theta, moments, gOut: new Float32Array(count) };
      const got = await runKernel(ctx, ES_MAML_UPDATE, host, (b) => esMamlUpdateRun(b, o));
      const g = esMamlUpdateCpu({ losses, noise, theta, moments }, o);
      assertAllClose(got, { gOut: g, theta, moments }, "es-maml");
    },
  );

  gpuTest(
    `meta_es_maml_update kernel reads losses from a metrics table, quarantined models' as unusable, count=${count}, pairs=${P}`,
    async (ctx) => {
      const rng = new Rng(17 * count + P);
      // Rows of 4 (loss, norm, quarantined, spare); every 3rd model quarantined with the largest
      // loss, which must neither enter the gradient nor become the stand-in of a non-finite one.
      const metrics = metricsOf(2 * P, 3);
      for (let k = 0; k < 2 * P; k++) metrics[k * 4] = metrics[k * 4 + 2] ? 9 : 1 + rng.uniform();
      if (P > 1) metrics[0] = NaN;
      const noise = normals(rng, P * count);
      const theta = normals(rng, count);
      const moments = new Float32Array(2 * count);
      const o = { count, pairs: P, sigma: 0.05, lr: 0.02, t: 1 };
      const host = { losses: metrics, noise, theta, moments, gOut: new Float32Array(count) };
      const got = await runKernel(
        ctx,
        ES_MAML_UPDATE,
        host,
        (b) => esMamlUpdateRun(b, o, { stride: 4, offset: 0, flag: 2 }),
      );
      const losses = Float32Array.from(
        { length: 2 * P },
        (_, k) => metrics[k * 4 + 2] ? NaN : metrics[k * 4]!,
      );
      const plain = Float32Array.from({ length: 2 * P }, (_, k) => metrics[k * 4]!);
      const ignored = esMamlUpdateCpu(
        { losses: plain, noise, theta: theta.slice(), moments: moments.slice() },
        o,
      );
      const g = esMamlUpdateCpu({ losses, noise, theta, moments }, o);
      assertAllClose(got, { gOut: g, theta, moments }, "es-maml, flags");
      if (P > 1) {
        assert.ok(ignored.some((x, i) => Math.abs(x - g[i]!) > 1e-3), "the flags change g");
      }
    },
  );

  gpuTest(
    `meta_sgd_update kernel matches metaSgdUpdateCpu() when count=${count}, models=${P}`,
    async (ctx) => {
      const rng = new Rng(13 * count + P);
      const queryGrads = normals(rng, P * rowStride, 0.1);
      const supportGradSums = normals(rng, P * rowStride, 0.3);
      const metrics = metricsOf(P, 5);
      const rows = { queryGrads, supportGradSums, metrics };
      const { host, o, got } = await metaSgdRun(ctx, rng, rows, [count, P, rowStride]);
      const { theta, alpha, moments } = host;
      const gT = metaSgdUpdateCpu(host, o);
      assertAllClose(got, { gOut: gT, theta, alpha, moments }, "meta-sgd");
      assert.ok(alpha.every((a) => a >= 0 && a <= 0.08));
    },
  );
}

/**
 * A Meta-SGD update of the given rows: theta ~ N(0, 1) and alpha ~ 0.1 U(0, 1) drawn from `rng`,
 * zero moments; the kernel's arrays read back (`got`) and the host arrays for its twin.
 */
async function metaSgdRun(
  ctx: GpuContext,
  rng: Rng,
  rows: Record<"queryGrads" | "supportGradSums" | "metrics", Float32Array<ArrayBuffer>>,
  [count, models, rowStride]: readonly [number, number, number],
) {
  const theta = normals(rng, count);
  const alpha = Float32Array.from({ length: count }, () => 0.1 * rng.uniform());
  const moments = new Float32Array(4 * count);
  const o = { count, models, rowStride, lr: 0.01, alphaLr: 0.003, alphaMax: 0.08, t: 1 };
  const host = { ...rows, theta, alpha, moments };
  const gOut = new Float32Array(count);
  const got = await runKernel(
    ctx,
    META_SGD_UPDATE,
    { ...host, gOut },
    (b) => metaSgdUpdateRun(b, o),
  );
  return { host, o, got };
}

/**
 * (rows, 4) metrics with finite losses and norms, the flag on every 4th model, and models whose
 * flag is 0 but whose loss (model 0: NaN) or gradient norm (model 2: Infinity) is not finite, as the
 * query pass's gradient mode leaves them; `flagged`: the same rows with those models' flags set.
 */
function nonFiniteRows(
  rng: Rng,
  rows: number,
): { metrics: Float32Array<ArrayBuffer>; flagged: Float32Array<ArrayBuffer>; bad: number[] } {
  const metrics = metricsOf(rows, 4);
  for (let m = 0; m < rows; m++) {
    metrics[m * 4] = 1 + rng.uniform();
    metrics[m * 4 + 1] = 1 + rng.uniform();
  }
  const bad = [0, 2].filter((m) => m < rows && metrics[m * 4 + 2] === 0);
  if (bad.includes(0)) metrics[0] = NaN;
  if (bad.includes(2)) metrics[2 * 4 + 1] = Infinity;
  const flagged = metrics.slice();
  for (const m of bad) flagged[m * 4 + 2] = 1;
  return { metrics, flagged, bad };
}

/** Rows `bad` of a (rows, rowStride) table set to NaN (model 0) or +-Infinity entries (others). */
function spoil(t: Float32Array, bad: number[], rowStride: number): void {
  for (const m of bad) {
    for (let i = 0; i < rowStride; i++) {
      t[m * rowStride + i] = m === 0 ? NaN : (i % 2 ? Infinity : -Infinity);
    }
  }
}

for (const [count, P, rowStride] of [[1, 1, 4], [63, 5, 67], [200, 13, 203]] as const) {
  const when = `count=${count}, models=${P}`;
  gpuTest(
    `meta_fomaml_update leaves out models with flag 0 but a non-finite loss or norm, ${when}`,
    async (ctx) => {
      const rng = new Rng(19 * count + P);
      const grads = normals(rng, P * rowStride, 0.1);
      const { metrics, flagged, bad } = nonFiniteRows(rng, P);
      spoil(grads, bad, rowStride);
      const theta = normals(rng, count);
      const moments = new Float32Array(2 * count);
      const o = { count, models: P, rowStride, lr: 0.01, t: 1 };
      const host = { grads, metrics, theta, moments, gOut: new Float32Array(count) };
      const got = await runKernel(ctx, FOMAML_UPDATE, host, (b) => fomamlUpdateRun(b, o));
      const want = { ...host, metrics: flagged, theta: theta.slice(), moments: moments.slice() };
      const used = fomamlUpdateCpu(want, o);
      fomamlUpdateCpu(host, o);
      assertAllClose(got, { gOut: host.gOut, theta, moments }, "fomaml, non-finite rows");
      // The update of the models with finite rows alone: not the zeros of a NaN mean.
      assertAllClose(got, { gOut: want.gOut, theta: want.theta }, "fomaml, healthy alone");
      assert.equal(used, P - Math.floor(P / 4) - bad.length);
      if (used > 0) assert.ok(got.gOut.some((g) => g !== 0), "the mean gradient is not zeroed");
    },
  );

  gpuTest(
    `meta_sgd_update leaves out models with flag 0 but a non-finite loss or norm, ${when}`,
    async (ctx) => {
      const rng = new Rng(23 * count + P);
      const queryGrads = normals(rng, P * rowStride, 0.1);
      const supportGradSums = normals(rng, P * rowStride, 0.3);
      const { metrics, flagged, bad } = nonFiniteRows(rng, P);
      spoil(queryGrads, bad, rowStride);
      const rows = { queryGrads, supportGradSums, metrics };
      const { host, o, got } = await metaSgdRun(ctx, rng, rows, [count, P, rowStride]);
      const { theta, alpha, moments } = host;
      const want = {
        ...host,
        metrics: flagged,
        theta: theta.slice(),
        alpha: alpha.slice(),
        moments: moments.slice(),
      };
      const wantG = metaSgdUpdateCpu(want, o);
      const gT = metaSgdUpdateCpu(host, o);
      assertAllClose(got, { gOut: gT, theta, alpha, moments }, "meta-sgd, non-finite rows");
      assertAllClose(got, { gOut: wantG, theta: want.theta, alpha: want.alpha }, "meta-sgd, alone");
      if (P > bad.length) assert.ok(got.gOut.some((g) => g !== 0), "g_theta is not zeroed");
    },
  );

  gpuTest(
    `meta_reptile_update leaves out models with flag 0 but a non-finite loss or norm, ${when}`,
    async (ctx) => {
      const rng = new Rng(29 * count + P);
      const adapted = normals(rng, P * rowStride);
      const { metrics, flagged, bad } = nonFiniteRows(rng, P);
      spoil(adapted, bad, rowStride);
      const theta = normals(rng, count);
      const o = { count, models: P, rowStride, metaLr: 0.37 };
      const host = { adapted, metrics, theta };
      const got = await runKernel(ctx, REPTILE_UPDATE, host, (b) => reptileUpdateRun(b, o));
      const want = { adapted, metrics: flagged, theta: theta.slice() };
      reptileUpdateCpu(want, o);
      reptileUpdateCpu(host, o);
      assertClose(got.theta, theta, { ...TOL, what: "reptile theta, non-finite rows" });
      assertClose(got.theta, want.theta, { ...TOL, what: "reptile theta, healthy alone" });
      assert.ok(got.theta.every(Number.isFinite), "theta stays finite");
    },
  );
}
