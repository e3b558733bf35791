/**
 * Submit batching: `batchSubmits(ctx, fn)` runs `fn`, collecting every command buffer the engine's
 * own encoders hand to `submit` (train steps, batch sampling, dispatch runs) and the cleanups
 * handed to `afterSubmit`, then submits them all in one `queue.submit`, in the order they were
 * made, and runs the cleanups. Outside a batch, `submit` submits at once. Queue writes made during
 * `fn` land before the batch's submit, so only write buffers that no earlier command buffer of the
 * batch reads with other contents (fresh buffers, or the same contents again).
 * @module
 */
import type { GpuContext } from "./gpu_context.ts";

/** The open batch of a context: command buffers and cleanups, in order, and submits made. */
interface Batch {
  buffers: GPUCommandBuffer[];
  cleanups: (() => void)[];
  submits: number;
}

const open = new WeakMap<GpuContext, Batch>();
let batching = true;

/**
 * Turns batching on (the default) or off: off, `batchSubmits` submits each command buffer at
 * once, as before batching existed (the bench's A/B comparison in one run).
 */
export function setSubmitBatching(on: boolean): void {
  batching = on;
}

/** Submits `cb` now, or appends it to the open batch of `ctx`. */
export function submit(ctx: GpuContext, cb: GPUCommandBuffer): void {
  const b = open.get(ctx);
  if (b && batching) {
    b.buffers.push(cb);
    return;
  }
  ctx.device.queue.submit([cb]);
  if (b) b.submits++;
}

/** Runs `cleanup` (e.g. destroying a transient buffer) now, or after the open batch's submit. */
export function afterSubmit(ctx: GpuContext, cleanup: () => void): void {
  const b = open.get(ctx);
  if (b) b.cleanups.push(cleanup);
  else cleanup();
}

/** Runs `fn` with submits batched; returns the number of `queue.submit` calls made (1 when batching). */
export function batchSubmits(ctx: GpuContext, fn: () => void): number {
  if (open.has(ctx)) throw new Error("batchSubmits: a batch is already open on this context");
  const b: Batch = { buffers: [], cleanups: [], submits: 0 };
  open.set(ctx, b);
  try {
    fn();
  } finally {
    open.delete(ctx);
  }
  if (b.buffers.length > 0) ctx.device.queue.submit(b.buffers);
  for (const c of b.cleanups) c();
  return b.submits + (b.buffers.length > 0 ? 1 : 0);
}
