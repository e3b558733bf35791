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
import { LOOP_BUDGET } from "../mlp/loop_budget.ts";
import { encodeKernel, groupsFor } from "./strategy_kernels.ts";
import type { DeviceEvaluation } from "./gpu_strategy.ts";

const BBOB = kernelInterface("shaders/bbob_eval.wgsl", bbobWgsl, {
  read: "x, header: array<u32>, inst",
  readWrite: "fitness",
  params: "S, N, D, gridX",
});

/** Largest dimension the kernel evaluates (BBOB_MAXD, its work vectors in _bbob.wgsl). */
export const BBOB_DEVICE_MAXD = 128;

/** D x D rotations (bb_rotate) each function of the suite runs in shaders/_bbob.wgsl. */
const BBOB_ROTATIONS: Readonly<Record<number, number>> = {
  1: 0,
  2: 0,
  3: 0,
  6: 2,
  8: 0,
  10: 1,
  11: 1,
  12: 2,
  13: 2,
  14: 1,
  15: 3,
  17: 2,
  20: 0,
  24: 2,
};

/**
 * Loop iterations (each loop's iterations plus one exit test per run) of `bbob_value` for function
 * `fid` at dimension D (shaders/_bbob.wgsl): D^2 + 3D + 2 per rotation (its rows, their products
 * and the copy back) and at most 8 other loops over the coordinates.
 */
export function bbobValueIterations(fid: number, D: number): number {
  return (BBOB_ROTATIONS[fid] ?? 3) * (D * D + 3 * D + 2) + 8 * (D + 1);
}

/**
 * Loop iterations one invocation of bbob_eval runs for instances of functions `fids` (one per
 * instance, dimension D): the largest bbobValueIterations of them. Lavapipe counts loop iterations
 * per SIMD group of 8 invocations (learners/mlp/loop_budget.ts), and a group whose candidates
 * belong to instances of different functions runs every one of their branches; the kernel pads each
 * instance's candidates to a multiple of 8 invocations so that no group does. Before it did
 * (2026-12-03, lavapipe, all 14 functions at D = 128 with N = 7), the group holding f14 and f15
 * candidates (an estimated 69,144 iterations) returned wrong values with no error.
 */
export function bbobLoopIterations(fids: readonly number[], D: number): number {
  return Math.max(0, ...new Set(fids).values().map((fid) => bbobValueIterations(fid, D)));
}

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
  /** Loop iterations per invocation (bbobLoopIterations of the instances). */
  readonly loopIterations: number;

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
    this.loopIterations = bbobLoopIterations(insts.map((o) => o.fid), insts[0]?.dim ?? 0);
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
    const loops = this.#ctx.software ? this.loopIterations : 0;
    if (loops > LOOP_BUDGET) {
      throw new RangeError(
        `Cannot evaluate BBOB on this software adapter as its invocations need ${loops} loop iterations and the driver stops at 65,535 (budget ${LOOP_BUDGET}): dim ${D} (use the CPU twin, bbobBatch)`,
      );
    }
    encodeKernel(this.#ctx, enc, this.#kernel, {
      groups: groupsFor(S * Math.ceil(N / 8) * 8),
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
