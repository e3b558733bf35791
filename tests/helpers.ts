/**
 * Test helpers: a shared GPU context, GPU test registration (skipped with a printed reason when
 * no adapter exists, failed when the CI environment variable is set), mixed-tolerance checks and a
 * seeded random data set.
 */
import { GpuContext, GpuUnavailableError } from "../core/gpu_context.ts";
import type { Rng } from "../core/rng.ts";

let ctxPromise: Promise<GpuContext | GpuUnavailableError> | undefined;

/** The shared test GPU context, or the reason there is none. */
export function sharedGpu(): Promise<GpuContext | GpuUnavailableError> {
  ctxPromise ??= GpuContext.create().catch((e) =>
    e instanceof GpuUnavailableError ? e : Promise.reject(e)
  );
  return ctxPromise;
}

const probe = await sharedGpu();
const inCi = Boolean(Deno.env.get("CI"));
if (probe instanceof GpuUnavailableError) {
  console.error(`GPU tests ${inCi ? "will FAIL (CI is set)" : "skipped"}: ${probe.message}`);
} else {
  console.error(probe.describe());
}

/** Registers a GPU test: skipped when no adapter (unless CI is set, then it fails). */
export function gpuTest(name: string, fn: (ctx: GpuContext) => Promise<void>): void {
  const ignore = probe instanceof GpuUnavailableError && !inCi;
  Deno.test({
    name,
    ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const ctx = await sharedGpu();
      if (ctx instanceof GpuUnavailableError) {
        throw new Error(`No GPU adapter in CI: ${ctx.message}`);
      }
      await fn(ctx);
    },
  });
}

/** Options of assertClose. */
export interface CloseOptions {
  atol: number;
  rtol: number;
  what?: string;
}

/** Asserts |actual - expected| <= atol + rtol*|expected| elementwise; reports the first mismatches. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  o: CloseOptions,
): void {
  const what = o.what ?? "values";
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  }
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const ok = Number.isFinite(e)
      ? Math.abs(a - e) <= o.atol + o.rtol * Math.abs(e)
      : Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e));
    if (!ok) {
      count++;
      if (bad.length < 5) bad.push(`[${i}] got ${a}, want ${e}`);
    }
  }
  if (count > 0) {
    throw new Error(
      `${what}: ${count}/${expected.length} mismatches (atol ${o.atol}, rtol ${o.rtol}): ${
        bad.join("; ")
      }`,
    );
  }
}

/**
 * A seeded random data set of `count` samples with `inputs` standard-normal inputs and one
 * target each: a standard normal for MSE, else the class `i % classes` of sample i.
 */
export function randomDataset(
  rng: Rng,
  o: { count: number; inputs: number; mse: boolean; classes: number },
): {
  count: number;
  inputs: number;
  targetWidth: 1;
  x: Float32Array<ArrayBuffer>;
  y: Float32Array<ArrayBuffer>;
} {
  const { count, inputs } = o;
  const x = Float32Array.from({ length: count * inputs }, () => rng.normal());
  const y = Float32Array.from({ length: count }, (_, i) => o.mse ? rng.normal() : i % o.classes);
  return { count, inputs, targetWidth: 1, x, y };
}

/** The CLI flags of a smoke-scale run on the CPU backend. */
export const SMOKE_CPU: readonly string[] = ["--scale", "smoke", "--backend", "cpu"];
