/**
 * Shared plumbing of the meta kernels (meta-updates and the meta loop's own kernels): pipelines with
 * the shared WGSL snippets (_finite, _adam, _meta_mean), encoding a one-invocation-per-index run,
 * Adam bias corrections, the f32 Adam step and the healthy-model loop their CPU twins share.
 * @module
 */
import { ceilDiv } from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import {
  encodeGridKernel,
  type KernelInterface,
  kernelInterface,
  type KernelInterfaceSpec,
  type ParamValues,
} from "../../core/kernel_interface.ts";
import { composeWgsl, getPipeline, GRID_WGSL } from "../../core/pipelines.ts";
import { ADAM_WGSL, FINITE_WGSL } from "../mlp/wgsl_parts.ts";
import { RNG_WGSL } from "../../core/rng_fill.ts";
import { isQuarantined, METRIC, METRIC_LAYOUT, METRIC_STRIDE } from "../metrics_row.ts";
import meanCode from "../../shaders/_meta_mean.wgsl" with { type: "text" };
import thetaAdamCode from "../../shaders/_meta_adam.wgsl" with { type: "text" };

/** Adam constants (beta1, beta2, eps) of every meta-update. */
export const ADAM_BETAS: readonly [number, number, number] = [0.9, 0.999, 1e-8];

/** Adam bias corrections c1 = 1 - beta1^t, c2 = 1 - beta2^t for step t (1-based). */
export function adamCorrections(t: number): { c1: number; c2: number } {
  return { c1: 1 - Math.pow(ADAM_BETAS[0], t), c2: 1 - Math.pow(ADAM_BETAS[1], t) };
}

/** One Adam step of element i (moments m at mi, v at vi), as the kernels do it; returns the new x. */
export function adamElement(
  x: number,
  g: number,
  moments: Float32Array,
  mi: number,
  vi: number,
  o: { lr: number; c1: number; c2: number },
): number {
  const [b1, b2, eps] = ADAM_BETAS;
  const gg = Number.isFinite(g) ? g : 0;
  moments[mi] = b1 * moments[mi]! + (1 - b1) * gg;
  moments[vi] = b2 * moments[vi]! + (1 - b2) * gg * gg;
  return x - o.lr * (moments[mi]! / o.c1) / (Math.sqrt(moments[vi]! / o.c2) + eps);
}

/** One Adam step of theta over `count` entries: rate, step t (1-based) and the array offsets. */
export interface ThetaAdamStep {
  /** Entries stepped. */
  count: number;
  /** Adam learning rate. */
  lr: number;
  /** Adam step t (1-based). */
  t: number;
  /** Index of theta[0] in the theta array (default 0). */
  thetaOffset?: number;
  /** Index of m[0] in the moments array (default 0). */
  momentOffset?: number;
  /** Distance from m[i] to v[i] in the moments array (default count). */
  vOffset?: number;
}

/**
 * Twin of theta_adam_step (shaders/_meta_adam.wgsl) for every i < count: g = grad(i) (non-finite
 * counts as 0), written to gOut when given, then the Adam step of theta[thetaOffset + i] with m at
 * momentOffset + i and v vOffset (default count) after it.
 */
export function thetaAdamStepsCpu(
  data: { theta: Float32Array; moments: Float32Array; gOut?: Float32Array },
  grad: (i: number) => number,
  o: ThetaAdamStep,
): void {
  const { thetaOffset: to, momentOffset: mo, vOffset: vo, c1, c2 } = thetaAdamParams(o);
  for (let i = 0; i < o.count; i++) {
    const gi = grad(i);
    const g = Number.isFinite(gi) ? gi : 0;
    if (data.gOut) data.gOut[i] = g;
    data.theta[to + i] = adamElement(data.theta[to + i]!, g, data.moments, mo + i, mo + vo + i, {
      lr: o.lr,
      c1,
      c2,
    });
  }
}

/** True when model m's quarantine flag (its metrics row's METRIC.quarantined entry) is set. */
export function diverged(metrics: ArrayLike<number>, m: number): boolean {
  return isQuarantined(metrics, m);
}

/** How a meta kernel is composed: the shared snippets it uses besides _finite and _adam. */
export interface MetaKernelFlags {
  /** Whether the kernel calls healthy_sum/healthy_mean (composes the snippet). */
  mean?: boolean;
  /** Whether the kernel draws from the counter RNG (composes shaders/_rng.wgsl). */
  rng?: boolean;
  /** Whether the kernel steps theta with Adam via theta_adam_step (composes shaders/_meta_adam.wgsl). */
  thetaAdam?: boolean;
  /** Whether the kernel runs as one workgroup and reads its own parameters (no shaders/_grid.wgsl). */
  oneWorkgroup?: boolean;
  /** Invocations per workgroup, as the kernel's @workgroup_size (default 64). */
  workgroupSize?: number;
}

/** A meta kernel: its pipeline key, its interface (file, source, bindings, parameters), its snippets. */
export interface MetaKernel extends MetaKernelFlags {
  /** Pipeline cache key. */
  key: string;
  /** Bindings and parameters, with the kernel's file and source. */
  iface: KernelInterface;
}

/** The Params fields `adamParams` gives values to. */
export const ADAM_PARAMS = "beta1: f32, beta2: f32, eps: f32, c1: f32, c2: f32";

/**
 * The bindings and parameters theta_adam_step (shaders/_meta_adam.wgsl) reads, for the interface
 * of a kernel that composes it (`thetaAdamParams` gives their values).
 */
export const THETA_ADAM_INTERFACE: { readWrite: string; params: string } = {
  readWrite: "theta, moments, gOut",
  params: `thetaOffset, momentOffset, vOffset, lr: f32, ${ADAM_PARAMS}`,
};

/** The names of the Adam parameters: constants and bias corrections. */
export type AdamParam = "beta1" | "beta2" | "eps" | "c1" | "c2";

/** The Adam constants and bias corrections of step t (1-based), as kernel parameters. */
export function adamParams(t: number): Record<AdamParam, number> {
  const [beta1, beta2, eps] = ADAM_BETAS;
  return { beta1, beta2, eps, ...adamCorrections(t) };
}

/** Values of the THETA_ADAM_INTERFACE parameters for Adam step t at rate lr over `count` entries. */
export function thetaAdamParams(
  o: ThetaAdamStep,
): Record<"thetaOffset" | "momentOffset" | "vOffset" | "lr" | AdamParam, number> {
  const thetaOffset = o.thetaOffset ?? 0;
  const momentOffset = o.momentOffset ?? 0;
  const vOffset = o.vOffset ?? o.count;
  return { thetaOffset, momentOffset, vOffset, lr: o.lr, ...adamParams(o.t) };
}

/** The meta kernel of `shaders/<name>.wgsl` (its pipeline key is `name`): interface and snippets. */
export function metaKernel(
  name: string,
  code: string,
  spec: KernelInterfaceSpec & MetaKernelFlags = {},
): MetaKernel {
  const { mean, rng, thetaAdam, oneWorkgroup, workgroupSize, ...iface } = spec;
  const flags = { mean, rng, thetaAdam, oneWorkgroup, workgroupSize };
  return { key: name, iface: kernelInterface(`shaders/${name}.wgsl`, code, iface), ...flags };
}

/** A buffer or a range of one, as a kernel binds it. */
export type MetaBinding = GPUBuffer | GPUBufferBinding;

/** The bindings theta_adam_step (shaders/_meta_adam.wgsl) updates. */
export interface ThetaAdamBuffers {
  /** theta, updated. */
  theta: MetaBinding;
  /** Adam moments (m, then v vOffset later), updated. */
  moments: MetaBinding;
  /** (count) receives the meta-gradient used (for the log). */
  gOut: MetaBinding;
}

/** One run of a one-invocation-per-index kernel: n indices, its buffers, its parameters. */
export interface MetaRun {
  /** Indices (invocations) to cover. */
  n: number;
  /** Bindings by name, without the parameters. */
  buffers: Readonly<Record<string, MetaBinding>>;
  /** Parameter values by field name (gridX is set when the run is encoded). */
  params: ParamValues;
}

/** The compiled pipeline of `kernel` (cached per context by key). */
export function metaPipeline(ctx: GpuContext, kernel: MetaKernel): Promise<GPUComputePipeline> {
  const parts = [
    FINITE_WGSL,
    METRIC_LAYOUT.wgsl,
    { file: "<generated: Adam element type>", code: "alias AdamT = f32;\n" },
    ADAM_WGSL,
    ...(kernel.mean ? [{ file: "shaders/_meta_mean.wgsl", code: meanCode }] : []),
    ...(kernel.rng ? [RNG_WGSL] : []),
    ...(kernel.thetaAdam ? [{ file: "shaders/_meta_adam.wgsl", code: thetaAdamCode }] : []),
    ...(kernel.oneWorkgroup ? [] : [GRID_WGSL]),
    ...kernel.iface.parts,
  ];
  return getPipeline(ctx, kernel.key, composeWgsl(parts));
}

/**
 * Encodes one run of a compiled meta kernel into `pass` (its workgroupSize invocations per
 * workgroup, 2-D grid); returns the parameter buffer, to destroy once the work is submitted.
 */
export function encodeMetaKernel(
  ctx: GpuContext,
  pass: GPUComputePassEncoder,
  pipeline: GPUComputePipeline,
  kernel: MetaKernel,
  run: MetaRun,
): GPUBuffer {
  const { buffers, params } = run;
  const groups = ceilDiv(run.n, kernel.workgroupSize ?? 64);
  return encodeGridKernel(ctx, pass, { pipeline, iface: kernel.iface }, {
    groups,
    buffers,
    params,
  });
}

/** Runs `kernel` once over `run.n` indices in its own submit; no readback. */
export async function dispatchMetaKernel(
  ctx: GpuContext,
  kernel: MetaKernel,
  run: MetaRun,
): Promise<void> {
  const pipeline = await metaPipeline(ctx, kernel);
  const enc = ctx.device.createCommandEncoder({ label: kernel.key });
  const pass = enc.beginComputePass();
  const ub = encodeMetaKernel(ctx, pass, pipeline, kernel, run);
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
  ub.destroy();
}

/**
 * Twin of healthy_sum in shaders/_meta_mean.wgsl: calls `visit(m)` for each model m of
 * first .. first + models - 1 whose quarantine flag is 0, in order; returns how many.
 */
export function forHealthy(
  metrics: ArrayLike<number>,
  first: number,
  models: number,
  visit: (m: number) => void,
): number {
  let used = 0;
  for (let p = 0; p < models; p++) {
    if (diverged(metrics, first + p)) continue;
    used++;
    visit(first + p);
  }
  return used;
}

/** Metrics rows (P, METRIC_STRIDE) whose quarantine flag marks the models with a flag or a non-finite row entry. */
export function flagRows(
  rows: ArrayLike<number>[],
  P: number,
  stride: number,
  count: number,
  flags?: ArrayLike<number>,
): Float32Array<ArrayBuffer> {
  const metrics = new Float32Array(P * METRIC_STRIDE);
  for (let p = 0; p < P; p++) {
    let bad = flags !== undefined && flags[p] !== 0;
    for (const r of rows) {
      for (let i = 0; i < count && !bad; i++) bad = !Number.isFinite(r[p * stride + i]!);
    }
    metrics[p * METRIC_STRIDE + METRIC.quarantined] = bad ? 1 : 0;
  }
  return metrics;
}
