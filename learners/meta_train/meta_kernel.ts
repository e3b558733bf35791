/**
 * Shared plumbing of the meta kernels (meta-updates and the meta loop's own kernels): their
 * interfaces, pipelines with the shared WGSL snippets (_finite, _adam, _meta_mean), encoding a
 * one-invocation-per-index run.
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
import { composeWgsl, getPipeline, GRID_WGSL, type WgslPart } from "../../core/pipelines.ts";
import { ADAM_WGSL, FINITE_WGSL } from "../mlp/wgsl_parts.ts";
import { RNG_WGSL } from "../../core/rng_fill.ts";
import { METRIC_LAYOUT } from "../metrics_row.ts";
import meanCode from "../../shaders/_meta_mean.wgsl" with { type: "text" };
import thetaAdamCode from "../../shaders/_meta_adam.wgsl" with { type: "text" };

/** How a meta kernel is composed: the shared snippets it uses besides _finite and _adam. */
export interface MetaKernelFlags {
  /** Whether the kernel calls meta_healthy, healthy_sum or healthy_mean (composes the snippet). */
  mean?: boolean;
  /** Whether the kernel draws from the counter RNG (composes shaders/_rng.wgsl). */
  rng?: boolean;
  /** Whether the kernel steps theta with Adam via theta_adam_step (composes shaders/_meta_adam.wgsl). */
  thetaAdam?: boolean;
  /** Whether the kernel runs as one workgroup and reads its own parameters (no shaders/_grid.wgsl). */
  oneWorkgroup?: boolean;
  /** Invocations per workgroup, as the kernel's @workgroup_size (default 64). */
  workgroupSize?: number;
  /** Further shared parts (snippets, generated constants), composed before the interface. */
  parts?: readonly WgslPart[];
}

/** A meta kernel: its pipeline key, its interface (file, source, bindings, parameters), its snippets. */
export interface MetaKernel extends MetaKernelFlags {
  /** Pipeline cache key. */
  key: string;
  /** Bindings and parameters, with the kernel's file and source. */
  iface: KernelInterface;
}

/** The meta kernel of `shaders/<name>.wgsl` (its pipeline key is `name`): interface and snippets. */
export function metaKernel(
  name: string,
  code: string,
  spec: KernelInterfaceSpec & MetaKernelFlags = {},
): MetaKernel {
  const { mean, rng, thetaAdam, oneWorkgroup, workgroupSize, parts, ...iface } = spec;
  const flags = { mean, rng, thetaAdam, oneWorkgroup, workgroupSize, parts };
  return { key: name, iface: kernelInterface(`shaders/${name}.wgsl`, code, iface), ...flags };
}

/** A buffer or a range of one, as a kernel binds it. */
export type MetaBinding = GPUBuffer | GPUBufferBinding;

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
    ...(kernel.parts ?? []),
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
