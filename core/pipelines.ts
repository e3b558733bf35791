/**
 * WGSL composition and compute pipelines: shared snippets are prepended by one `composeWgsl`
 * function; pipelines are built once per key and cached; compile errors become thrown errors that
 * name the kernel, the source file and the line in that file.
 * @module
 */
import gridWgsl from "../shaders/_grid.wgsl" with { type: "text" };
import { type GpuContext, GpuValidationError } from "./gpu_context.ts";

/** A WGSL source part with the file name it came from (for error line mapping). */
export interface WgslPart {
  /** File name shown in errors, e.g. "shaders/train_step.wgsl". */
  file: string;
  /** WGSL text. */
  code: string;
}

/**
 * The grid snippet: `params` and `grid_index`/`group_index` for kernels dispatched on the grid of
 * `dispatchGrid` (core/buffers.ts).
 */
export const GRID_WGSL: WgslPart = { file: "shaders/_grid.wgsl", code: gridWgsl };

/** WGSL assembled from parts, with a map from composed lines back to files. */
export interface ComposedWgsl {
  /** The full WGSL source. */
  code: string;
  /** For each part: its file and first line (1-based) in `code`. */
  parts: { file: string; firstLine: number; lines: number }[];
}

/** Joins shared snippets and a kernel into one WGSL module, remembering where each part starts. */
export function composeWgsl(parts: WgslPart[]): ComposedWgsl {
  let code = "";
  let line = 1;
  const map: ComposedWgsl["parts"] = [];
  for (const p of parts) {
    const text = p.code.endsWith("\n") ? p.code : p.code + "\n";
    const lines = text.split("\n").length - 1;
    map.push({ file: p.file, firstLine: line, lines });
    code += text;
    line += lines;
  }
  return { code, parts: map };
}

/** Maps a line of composed WGSL back to "file:line". */
export function wgslLocation(src: ComposedWgsl, line: number): string {
  for (const p of src.parts) {
    if (line >= p.firstLine && line < p.firstLine + p.lines) {
      return `${p.file}:${line - p.firstLine + 1}`;
    }
  }
  return `line ${line}`;
}

const caches = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** Number of pipelines compiled so far on a device (for tests that check caching). */
export function compiledPipelineCount(ctx: GpuContext): number {
  return caches.get(ctx.device)?.size ?? 0;
}

/** Options of a pipeline: entry point (default "main") and override constants. */
export interface PipelineOptions {
  /** WGSL entry point; default "main". */
  entryPoint?: string;
  /** Pipeline-overridable constants (WGSL `override` declarations). */
  constants?: Record<string, number>;
}

/** The device's pipeline cache, the cache key and the resolved options of one request. */
function lookup(ctx: GpuContext, key: string, options: PipelineOptions) {
  let cache = caches.get(ctx.device);
  if (!cache) {
    cache = new Map();
    caches.set(ctx.device, cache);
  }
  const entryPoint = options.entryPoint ?? "main";
  const constants = options.constants ?? {};
  const cacheKey = `${key}|${entryPoint}|${JSON.stringify(constants)}`;
  return { cache, cacheKey, entryPoint, constants, hit: cache.get(cacheKey) };
}

/**
 * The shader module of `src`, checked by the WGSL front end only (parsing and validation; no
 * pipeline, so no machine code): errors throw GpuValidationError naming the kernel and the WGSL
 * file and line.
 */
export async function checkedModule(
  ctx: GpuContext,
  key: string,
  src: ComposedWgsl,
): Promise<GPUShaderModule> {
  const module = ctx.device.createShaderModule({ label: key, code: src.code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === "error");
  if (errors.length > 0) {
    const m = errors[0]!;
    const msg = m.message.trim().split("\n")[0]?.replace(/^Shader '.*?' parsing error: /, "") ?? "";
    throw new GpuValidationError(
      `WGSL compile error in kernel "${key}" at ${
        wgslLocation(src, m.lineNum)
      }:${m.linePos}: ${msg}`,
    );
  }
  return module;
}

/**
 * Returns the compute pipeline for `key` (and its override constants), compiling it on first use.
 * Compile errors throw GpuValidationError naming the kernel and the WGSL file and line.
 */
export async function getPipeline(
  ctx: GpuContext,
  key: string,
  src: ComposedWgsl,
  options: PipelineOptions = {},
): Promise<GPUComputePipeline> {
  const { cache, cacheKey, entryPoint, constants, hit } = lookup(ctx, key, options);
  if (hit) return hit;
  const device = ctx.device;
  const module = await checkedModule(ctx, key, src);
  device.pushErrorScope("validation");
  const pipeline = device.createComputePipeline({
    label: key,
    layout: "auto",
    compute: { module, entryPoint, constants },
  });
  const err = await device.popErrorScope();
  if (err) {
    throw new GpuValidationError(
      `Cannot build pipeline for kernel "${key}": ${err.message.trim().split("\n")[0]}`,
    );
  }
  cache.set(cacheKey, pipeline);
  return pipeline;
}

/**
 * Returns the pipeline for `key` without waiting for the compiler: for variants of a kernel whose
 * WGSL was already checked by `getPipeline` (a compile error then surfaces as a device error at
 * the next sync point, labelled with `key`).
 */
export function getPipelineSync(
  ctx: GpuContext,
  key: string,
  src: ComposedWgsl,
  options: PipelineOptions = {},
): GPUComputePipeline {
  const { cache, cacheKey, entryPoint, constants, hit } = lookup(ctx, key, options);
  if (hit) return hit;
  const module = ctx.device.createShaderModule({ label: key, code: src.code });
  const pipeline = ctx.device.createComputePipeline({
    label: key,
    layout: "auto",
    compute: { module, entryPoint, constants },
  });
  cache.set(cacheKey, pipeline);
  return pipeline;
}

/** Creates a bind group for group 0 of `pipeline` from buffers (or buffer ranges) in binding order. */
export function bindBuffers(
  ctx: GpuContext,
  pipeline: GPUComputePipeline,
  buffers: (GPUBuffer | GPUBufferBinding)[],
  label: string,
): GPUBindGroup {
  return ctx.device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((b, binding) => ({
      binding,
      resource: b instanceof GPUBuffer ? { buffer: b } : b,
    })),
  });
}
