/**
 * A kernel's interface declared once in TypeScript: its storage bindings (read-only inputs, then
 * read-write outputs) and the fields of its `struct Params`, bound last as `params_in`. From it
 * come the WGSL declarations (composed just before the kernel's own file), the packed parameter
 * words (offsets by the WGSL layout rules) and the bind group, built by binding name.
 * @module
 */
import { createParamsBuffer, dispatchGrid } from "./buffers.ts";
import type { GpuContext } from "./gpu_context.ts";
import type { WgslPart } from "./pipelines.ts";

/** WGSL types a parameter field may have (`array<u32, N>`: a fixed-size array of N u32). */
export type ParamType =
  | "u32"
  | "i32"
  | "f32"
  | "vec4<u32>"
  | "vec4<f32>"
  | `array<${"u32" | "f32"}, ${number}>`;

/** A field of `struct Params`: its name, type and byte offset. */
export interface ParamField {
  /** Field name (the name the host packs it by). */
  readonly name: string;
  /** WGSL type. */
  readonly type: ParamType;
  /** Byte offset in the struct. */
  readonly offset: number;
  /** Number of 4-byte values it holds (1 for a scalar). */
  readonly words: number;
}

/**
 * Storage bindings and parameter fields of one kernel, each a comma-separated list written as
 * WGSL declares them, where a name alone has the default type: `"fitness, order: array<u32>"`.
 */
export interface KernelInterfaceSpec {
  /** Read-only storage bindings (default type `array<f32>`). */
  readonly read?: string;
  /** Read-write storage bindings (default type `array<f32>`). */
  readonly readWrite?: string;
  /** Read-only bindings of structs a shared snippet declares, after the arrays (no default type). */
  readonly structs?: string;
  /** Fields of `struct Params` (default type u32); none: no parameters binding. */
  readonly params?: string;
}

/** A kernel interface: binding names in binding order, parameter fields and the WGSL part. */
export interface KernelInterface {
  /** The kernel's file, e.g. "shaders/es_best.wgsl". */
  readonly file: string;
  /** Binding names in binding order (`params_in` last when there are parameters). */
  readonly bindings: readonly string[];
  /** Fields of `struct Params` in order, with their byte offsets. */
  readonly fields: readonly ParamField[];
  /** Size of `struct Params` in bytes (a multiple of its alignment). */
  readonly size: number;
  /** The declarations, as a WGSL part named after the kernel's file. */
  readonly wgsl: WgslPart;
  /** The declarations and the kernel's own file: the last parts of its composed source. */
  readonly parts: readonly [WgslPart, WgslPart];
}

/** Size and alignment of `array<u32, N>` or `array<f32, N>` in a storage struct; else undefined. */
function arrayType(type: string): { size: number; align: number } | undefined {
  const m = type.match(/^array<(?:u32|f32), (\d+)>$/);
  return m ? { size: 4 * Number(m[1]), align: 4 } : undefined;
}

const PARAM_TYPES: Record<string, { size: number; align: number }> = {
  "u32": { size: 4, align: 4 },
  "i32": { size: 4, align: 4 },
  "f32": { size: 4, align: 4 },
  "vec4<u32>": { size: 16, align: 16 },
  "vec4<f32>": { size: 16, align: 16 },
};

/** Splits a list of `name` or `name: type` into names and types (`fallback` when none is given). */
function splitDecls(list: string | undefined, fallback: string): [string, string][] {
  if (list === undefined || list.trim() === "") return [];
  return list.split(/,(?![^<]*>)/).map((decl) => {
    const at = decl.indexOf(":");
    if (at < 0) return [decl.trim(), fallback];
    return [decl.slice(0, at).trim(), decl.slice(at + 1).trim()];
  });
}

/** The fields of `struct Params` with offsets by the WGSL layout rules, and the struct size. */
function layoutFields(file: string, list: string | undefined): [ParamField[], number] {
  const fields: ParamField[] = [];
  let offset = 0;
  let align = 4;
  for (const [name, type] of splitDecls(list, "u32")) {
    const t = PARAM_TYPES[type as keyof typeof PARAM_TYPES] ?? arrayType(type);
    if (!t) {
      throw new TypeError(
        `Invalid parameter ${name} of ${file}: type must be one of ${
          Object.keys(PARAM_TYPES).join(", ")
        }, array<u32, N>, array<f32, N>: current value is ${type}`,
      );
    }
    offset = Math.ceil(offset / t.align) * t.align;
    fields.push({ name, type: type as ParamType, offset, words: t.size / 4 });
    offset += t.size;
    align = Math.max(align, t.align);
  }
  return [fields, Math.ceil(offset / align) * align];
}

/**
 * The interface of the kernel in `file` (WGSL text `code`): `struct Params` (when `spec.params` has fields) and one
 * `@group(0) @binding(i) var<storage, ...>` declaration per binding, in the order read-only,
 * read-write, shared structs, then `params_in: Params`. Throws a TypeError on a repeated name or an unknown
 * parameter type.
 */
export function kernelInterface(
  file: string,
  code: string,
  spec: KernelInterfaceSpec,
): KernelInterface {
  const decls = [
    ...splitDecls(spec.read, "array<f32>").map((d) => ["read", ...d]),
    ...splitDecls(spec.readWrite, "array<f32>").map((d) => ["read_write", ...d]),
    ...splitDecls(spec.structs, "").map((d) => ["read", ...d]),
  ];
  const [fields, size] = layoutFields(file, spec.params);
  const lines = [`// Generated from the kernel interface of ${file}: its bindings and parameters.`];
  if (fields.length > 0) {
    lines.push("struct Params {", ...fields.map((f) => `  ${f.name}: ${f.type},`), "}");
    decls.push(["read", "params_in", "Params"]);
  }
  const bindings = decls.map(([, name]) => name!);
  const seen = new Set<string>();
  for (const name of [...bindings, ...fields.map((f) => f.name)]) {
    if (seen.has(name)) throw new TypeError(`Invalid interface of ${file}: ${name} is repeated`);
    seen.add(name);
  }
  for (const [, name, type] of decls) {
    if (!type) throw new TypeError(`Invalid interface of ${file}: ${name} needs a type`);
  }
  decls.forEach(([access, name, type], i) => {
    lines.push(`@group(0) @binding(${i}) var<storage, ${access}> ${name}: ${type};`);
  });
  const wgsl = { file: `<generated: interface of ${file}>`, code: lines.join("\n") + "\n" };
  return { file, bindings, fields, size, wgsl, parts: [wgsl, { file, code }] };
}

/** Values of the parameter fields by name: a number, or up to four for a vec4 field (undefined: missing). */
export type ParamValues = Readonly<Record<string, number | readonly number[] | undefined>>;

/**
 * The parameters of `iface` packed as the WGSL struct lays them out (u32 fields wrap as
 * `>>> 0` does). Throws a TypeError naming a field that is missing or not in the struct.
 */
export function packParams(iface: KernelInterface, values: ParamValues): ArrayBuffer {
  const data = new ArrayBuffer(Math.ceil(iface.size / 16) * 16);
  const u = new Uint32Array(data);
  const i = new Int32Array(data);
  const f = new Float32Array(data);
  for (const name of Object.keys(values)) {
    if (!iface.fields.some((fd) => fd.name === name)) {
      throw new TypeError(`Cannot pack parameters of ${iface.file}: it has no field ${name}`);
    }
  }
  for (const field of iface.fields) {
    const v = values[field.name];
    if (v === undefined) {
      throw new TypeError(
        `Cannot pack parameters of ${iface.file}: field ${field.name} is missing`,
      );
    }
    const words = typeof v === "number" ? [v] : v;
    const view = field.type.includes("f32") ? f : field.type.includes("i32") ? i : u;
    if (words.length > field.words) {
      throw new RangeError(
        `Cannot pack parameters of ${iface.file}: field ${field.name} holds at most ${field.words} values`,
      );
    }
    words.forEach((w, k) => view[field.offset / 4 + k] = w);
  }
  return data;
}

/**
 * A bind group for group 0 of `pipeline` from buffers by binding name (`params_in` for the
 * parameters). Bindings left out are left out of the group (an entry point that does not use
 * them); a name the interface does not have throws a TypeError.
 */
export function bindKernel(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  iface: KernelInterface,
  buffers: Readonly<Record<string, GPUBuffer | GPUBufferBinding | undefined>>,
): GPUBindGroup {
  for (const name of Object.keys(buffers)) {
    if (!iface.bindings.includes(name)) {
      throw new TypeError(`Cannot bind ${iface.file}: it has no binding ${name}`);
    }
  }
  const entries = iface.bindings.flatMap((name, binding) => {
    const b = buffers[name];
    if (b === undefined) return [];
    return [{ binding, resource: b instanceof GPUBuffer ? { buffer: b } : b }];
  });
  return device.createBindGroup({
    label: `${pipeline.label}-bind`,
    layout: pipeline.getBindGroupLayout(0),
    entries,
  });
}

/** A compiled kernel with its interface. */
export interface InterfacedKernel {
  /** The compiled pipeline. */
  readonly pipeline: GPUComputePipeline;
  /** Its bindings and parameters. */
  readonly iface: KernelInterface;
}

/** One dispatch of a kernel on the grid of `dispatchGrid`: what it covers, binds and is given. */
export interface GridRun {
  /** Workgroups to dispatch (on a 2-D grid; the kernel's `gridX` field gets its width). */
  readonly groups: number;
  /** Buffers by binding name, without `params_in`. */
  readonly buffers: Readonly<Record<string, GPUBuffer | GPUBufferBinding | undefined>>;
  /** Parameter values by field name, without `gridX` (set when the kernel has that field). */
  readonly params: ParamValues;
}

/**
 * Encodes one dispatch of a grid kernel (one that starts with `grid_index` or `group_index` of
 * shaders/_grid.wgsl) into `pass`: packs its parameters with `gridX`, binds them and its buffers.
 * Returns the parameters buffer, for the caller to destroy once the work is submitted.
 */
export function encodeGridKernel(
  ctx: GpuContext,
  pass: GPUComputePassEncoder,
  kernel: InterfacedKernel,
  run: GridRun,
): GPUBuffer {
  const [gx, gy] = dispatchGrid(run.groups);
  const gridX = kernel.iface.fields.some((f) => f.name === "gridX") ? { gridX: gx } : {};
  const data = packParams(kernel.iface, { ...run.params, ...gridX });
  const ub = createParamsBuffer(ctx, data.byteLength, `${kernel.pipeline.label}-params`);
  ctx.device.queue.writeBuffer(ub, 0, data);
  pass.setPipeline(kernel.pipeline);
  const buffers = { ...run.buffers, params_in: ub };
  pass.setBindGroup(0, bindKernel(ctx.device, kernel.pipeline, kernel.iface, buffers));
  pass.dispatchWorkgroups(gx, gy);
  return ub;
}
