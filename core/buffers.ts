/**
 * Buffer helpers: create storage buffers from typed arrays, write them, and read them back.
 * @module
 */
import type { GpuContext } from "./gpu_context.ts";

/** Usage for a storage buffer that can be written and read back. */
export const STORAGE_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST |
  GPUBufferUsage.COPY_SRC;

/** Rounds `n` up to a multiple of 4 bytes, at least 16 (WebGPU minimum useful binding). */
function paddedBytes(n: number): number {
  return Math.max(16, Math.ceil(n / 4) * 4);
}

/** Creates a storage buffer of `byteLength` bytes (zeroed). */
export function createStorageBuffer(ctx: GpuContext, byteLength: number, label: string): GPUBuffer {
  const max = ctx.limit("maxBufferSize");
  const size = paddedBytes(byteLength);
  if (size > max) {
    throw new RangeError(
      `Cannot create buffer "${label}" as its size must be <= ${max} bytes: current value is ${size}`,
    );
  }
  return ctx.device.createBuffer({ label, size, usage: STORAGE_USAGE });
}

/** Creates a storage buffer holding a copy of `data`. */
export function createStorageBufferFrom(
  ctx: GpuContext,
  data: Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>,
  label: string,
): GPUBuffer {
  const buf = createStorageBuffer(ctx, data.byteLength, label);
  if (data.byteLength > 0) ctx.device.queue.writeBuffer(buf, 0, data);
  return buf;
}

/**
 * Creates a kernel-parameters buffer of `byteLength` bytes (rounded up to 16). Kernels bind it as
 * `var<storage, read>` and copy it into a `var<private>` struct at the start of their entry point,
 * rather than binding it as a uniform buffer: Mesa's lavapipe (the software adapter) "inlines"
 * uniform values that bound loops, recompiling the shader with them as constants each time the
 * pipeline or its bind group is bound, which cost about 100 ms per submit of the train step
 * (measured: train(data, 1) on 64 models took 123 ms with a uniform buffer, 14 ms with this
 * buffer; the steady-state speed of K steps per submit is unchanged). The buffer also has
 * UNIFORM usage, so it can be bound either way.
 */
export function createParamsBuffer(ctx: GpuContext, byteLength: number, label: string): GPUBuffer {
  return ctx.device.createBuffer({
    label,
    size: Math.ceil(byteLength / 16) * 16,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
}

/**
 * Encodes into `enc` the copy of `byteLength` bytes of `buffer` from `offset` into a fresh staging
 * buffer; after `enc`'s submit, the returned function maps it (one GPU await) and reads them.
 */
export function encodeReadBuffer(
  ctx: GpuContext,
  enc: GPUCommandEncoder,
  buffer: GPUBuffer,
  byteLength = buffer.size,
  offset = 0,
): () => Promise<ArrayBuffer> {
  const size = Math.ceil(byteLength / 4) * 4;
  const staging = ctx.device.createBuffer({
    label: `${buffer.label}-readback`,
    size: Math.max(4, size),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  enc.copyBufferToBuffer(buffer, offset, staging, 0, size);
  return async () => {
    const where = `reading buffer "${buffer.label}"`;
    try {
      // A lost device rejects the map: a DeviceLostError.
      await staging.mapAsync(GPUMapMode.READ).catch((e) => ctx.failedReadback(where, e));
      const out = staging.getMappedRange().slice(0, byteLength);
      staging.unmap();
      ctx.throwIfErrors(where);
      return out;
    } finally {
      staging.destroy();
    }
  };
}

/** Reads `byteLength` bytes from `buffer` at `offset` (one GPU await). */
export async function readBuffer(
  ctx: GpuContext,
  buffer: GPUBuffer,
  byteLength = buffer.size,
  offset = 0,
): Promise<ArrayBuffer> {
  const enc = ctx.device.createCommandEncoder();
  const read = encodeReadBuffer(ctx, enc, buffer, byteLength, offset);
  ctx.device.queue.submit([enc.finish()]);
  return await read();
}

/** Reads a whole buffer as f32. */
export async function readF32(
  ctx: GpuContext,
  buffer: GPUBuffer,
  count?: number,
): Promise<Float32Array> {
  return new Float32Array(await readBuffer(ctx, buffer, (count ?? buffer.size / 4) * 4));
}

/** Reads a whole buffer as u32. */
export async function readU32(
  ctx: GpuContext,
  buffer: GPUBuffer,
  count?: number,
): Promise<Uint32Array> {
  return new Uint32Array(await readBuffer(ctx, buffer, (count ?? buffer.size / 4) * 4));
}

/** Ceil division used for every dispatch size. */
export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/** Splits `groups` workgroups into an (x, y) grid within the 65535-per-dimension limit. */
export function dispatchGrid(groups: number): [number, number] {
  if (groups <= 65535) return [Math.max(1, groups), 1];
  const y = ceilDiv(groups, 65535);
  return [ceilDiv(groups, y), y];
}
