/**
 * Wrapper of `shaders/bbob_eval.wgsl`: the held-out BBOB suite evaluated on the device, one
 * instance per strategy instance, so a `GpuStrategy` can ask, evaluate and tell many generations
 * in one submit. Twin: `bbobBatch` (learners/tasks/bbob.ts).
 * @module
 */
import bbobWgsl from "../../shaders/bbob_eval.wgsl" with { type: "text" };
import { createStorageBufferFrom } from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { type InterfacedKernel, kernelInterface } from "../../core/kernel_interface.ts";
import { composeWgsl, getPipeline, GRID_WGSL } from "../../core/pipelines.ts";
import { BBOB_FUNCTIONS, type BbobInstance } from "../tasks/bbob.ts";
import { BBOB_WGSL } from "../tasks/bbob_wgsl.ts";
import { encodeKernel, groupsFor } from "./strategy_kernels.ts";
import type { DeviceEvaluation } from "./gpu_strategy.ts";

const BBOB = kernelInterface("shaders/bbob_eval.wgsl", bbobWgsl, {
  read: "x, header: array<u32>, inst",
  readWrite: "fitness",
  params: "S, N, D, gridX",
});

/** Largest dimension the kernel evaluates (BBOB_MAXD, its work vectors in _bbob.wgsl). */
export const BBOB_DEVICE_MAXD = 128;

/** Header (S, 4) u32 = fid, dim, offset, 0 and the instance data (x_opt, R, Q per instance). */
export function packBbob(instances: readonly BbobInstance[]): {
  header: Uint32Array<ArrayBuffer>;
  data: Float32Array<ArrayBuffer>;
} {
  const header = new Uint32Array(instances.length * 4);
  let n = 0;
  for (const o of instances) n += o.dim + 2 * o.dim * o.dim;
  const data = new Float32Array(Math.max(1, n));
  let off = 0;
  instances.forEach((o, s) => {
    if (!BBOB_FUNCTIONS[o.fid] || o.dim > BBOB_DEVICE_MAXD) {
      throw new RangeError(
        `Cannot evaluate BBOB on the device as dim must be <= ${BBOB_DEVICE_MAXD}: current value is ${o.dim}`,
      );
    }
    header.set([o.fid, o.dim, off, 0], s * 4);
    data.set(o.xopt, off);
    data.set(o.R, off + o.dim);
    data.set(o.Q, off + o.dim + o.dim * o.dim);
    off += o.dim + 2 * o.dim * o.dim;
  });
  return { header, data };
}

/** BBOB instances resident on the device, one per strategy instance (all of dimension D). */
export class BbobDevice {
  readonly #ctx: GpuContext;
  readonly #kernel: InterfacedKernel;
  readonly #header: GPUBuffer;
  readonly #data: GPUBuffer;
  /** Number of instances S. */
  readonly instances: number;

  private constructor(
    ctx: GpuContext,
    kernel: InterfacedKernel,
    insts: readonly BbobInstance[],
  ) {
    this.#ctx = ctx;
    this.#kernel = kernel;
    const { header, data } = packBbob(insts);
    this.#header = createStorageBufferFrom(ctx, header, "bbob-header");
    this.#data = createStorageBufferFrom(ctx, data, "bbob-data");
    this.instances = insts.length;
  }

  /** Uploads `instances` and compiles the kernel (cached per device). */
  static async create(ctx: GpuContext, instances: readonly BbobInstance[]): Promise<BbobDevice> {
    const src = composeWgsl([GRID_WGSL, BBOB_WGSL, ...BBOB.parts]);
    const pipeline = await getPipeline(ctx, "bbob_eval", src);
    return new BbobDevice(ctx, { pipeline, iface: BBOB }, instances);
  }

  /** Encodes fitness (S, N) = f(x) - f_opt for candidates x (S, N, D); params buffers go to `owned`. */
  encode(enc: GPUCommandEncoder, e: DeviceEvaluation): void {
    const S = this.instances;
    const { popSize: N, dim: D } = e.sizes;
    encodeKernel(this.#ctx, enc, this.#kernel, {
      groups: groupsFor(S * N),
      buffers: { x: e.x, header: this.#header, inst: this.#data, fitness: e.fitness },
      params: { S, N, D },
    }, e.owned);
  }

  /** Frees the instance buffers. */
  destroy(): void {
    this.#header.destroy();
    this.#data.destroy();
  }
}
