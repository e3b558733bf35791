/**
 * GPU wrapper of the evolution kernels (shaders/evolve_*.wgsl): buffers that mirror
 * `EvolveArrays`, one pipeline per kernel (built once), bind groups built once, and encoders that
 * put whole generations into one command buffer. The CPU twins are in evolution_cpu.ts.
 * @module
 */
import commonWgsl from "../../shaders/_evolve.wgsl" with { type: "text" };
import fitnessCommonWgsl from "../../shaders/_evolve_fitness.wgsl" with { type: "text" };
import objectiveWgsl from "../../shaders/evolve_objective.wgsl" with { type: "text" };
import neuralWgsl from "../../shaders/evolve_neural_fitness.wgsl" with { type: "text" };
import shapeWgsl from "../../shaders/evolve_shape.wgsl" with { type: "text" };
import statsWgsl from "../../shaders/evolve_stats.wgsl" with { type: "text" };
import selectWgsl from "../../shaders/evolve_select.wgsl" with { type: "text" };
import breedWgsl from "../../shaders/evolve_breed.wgsl" with { type: "text" };
import knobsWgsl from "../../shaders/evolve_knobs.wgsl" with { type: "text" };
import tickWgsl from "../../shaders/evolve_tick.wgsl" with { type: "text" };
import {
  ceilDiv,
  createParamsBuffer,
  createStorageBuffer,
  dispatchGrid,
  encodeReadBuffer,
  readBuffer,
} from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { RNG_WGSL } from "../../core/rng_fill.ts";
import { FINITE_WGSL } from "../mlp/wgsl_parts.ts";
import { KNOB_LAYOUT } from "../optimizers/knobs.ts";
import { METRIC_LAYOUT } from "../metrics_row.ts";
import { GENOME_LAYOUT } from "./genome_layout.ts";
import { EVOLVE_ROWS_WGSL } from "./evolution_rows.ts";
import { composeWgsl, getPipeline, type WgslPart } from "../../core/pipelines.ts";
import {
  bindKernel,
  type KernelInterface,
  kernelInterface,
  packParams,
} from "../../core/kernel_interface.ts";
import {
  EVOLVE_U32_ARRAYS,
  type EvolveArrays,
  evolveArraySizes,
  type EvolveDims,
} from "./evolution_arrays.ts";
import { PROBE_STEP, type UserObjectiveWgsl } from "./evolution_plan.ts";
import {
  budgetUserLoops,
  USER_SOFTWARE_TOTAL_LIMIT,
  USER_TOTAL_LIMIT,
  userBudgetWgsl,
} from "./user_loop_budget.ts";
import { BBOB_WGSL } from "../tasks/bbob_wgsl.ts";

/** Kernel names. */
export type EvolveKernel =
  | "objective"
  | "neural"
  | "shape"
  | "stats"
  | "select"
  | "breed"
  | "knobs"
  | "tick";

const SOURCES: Record<EvolveKernel, [file: string, code: string]> = {
  objective: ["evolve_objective", objectiveWgsl],
  neural: ["evolve_neural_fitness", neuralWgsl],
  shape: ["evolve_shape", shapeWgsl],
  stats: ["evolve_stats", statsWgsl],
  select: ["evolve_select", selectWgsl],
  breed: ["evolve_breed", breedWgsl],
  knobs: ["evolve_knobs", knobsWgsl],
  tick: ["evolve_tick", tickWgsl],
};

/** The evolution arrays each kernel reads and writes; all but tick also read `u_in`. */
const ARRAYS: Record<EvolveKernel, [read: string, readWrite: string]> = {
  objective: ["params, segTask, tasks, genome", "fitness, flags, overruns"],
  neural: ["metrics, genome", "fitness, flags"],
  shape: ["params, fitness, flags, genome", "info, order"],
  stats: ["fitness, flags, info, parents, genome, clock", "segState, history"],
  select: ["fitness, info, order, genome, sigma, clock", "parents, sigmaNext, metrics"],
  breed: ["params, parents, info, genome, segState, sigmaNext, blocks, clock", "next"],
  knobs: ["genome, clock", "knobs"],
  tick: ["", "clock"],
};

/** Evolution arrays as bindings: the u32 arrays (EVOLVE_U32_ARRAYS) typed, the others f32. */
function arrays(names: string): string {
  const typed = names.split(", ").map((n) =>
    EVOLVE_U32_ARRAYS.has(n as ArrayName) ? `${n}: array<u32>` : n
  );
  return typed.join(", ");
}

/**
 * The interface of evolution kernel `k`: its arrays, then EvolveParams (shaders/_evolve.wgsl) as
 * `u_in`; the knobs kernel also reads its step as `params_in`.
 */
function evolveInterface(k: EvolveKernel): KernelInterface {
  const [file, code] = SOURCES[k];
  const [read, readWrite] = ARRAYS[k];
  return kernelInterface(`shaders/${file}.wgsl`, code, {
    read: arrays(read),
    readWrite: arrays(readWrite),
    structs: k === "tick" ? undefined : "u_in: EvolveParams",
    params: k === "knobs" ? "step" : undefined,
  });
}

const KERNELS = Object.fromEntries(
  (Object.keys(SOURCES) as EvolveKernel[]).map((k) => [k, evolveInterface(k)]),
) as Record<EvolveKernel, KernelInterface>;

/** Largest segment: evolve_shape.wgsl keeps one distance accumulator per model of a segment. */
export const MAX_MODELS_PER_SEGMENT = 256;

/** Constants of the evolution kernels, emitted from MAX_MODELS_PER_SEGMENT and PROBE_STEP. */
const CONSTANTS_WGSL: WgslPart = {
  file: "<generated: MAX_MODELS_PER_SEGMENT, PROBE_STEP from learners/evolution/>",
  code: `const MAX_MODELS_PER_SEGMENT: u32 = ${MAX_MODELS_PER_SEGMENT}u;\n` +
    `const PROBE_STEP: u32 = ${PROBE_STEP}u;\n`,
};

/** Largest dimension of a user objective (MAXD in evolve_objective.wgsl). */
export const USER_OBJECTIVE_MAXD = 64;

/** Signature line of a user objective; the user writes the body that follows it. */
export const USER_OBJECTIVE_SIGNATURE =
  "fn user_objective(x: ptr<function, array<f32, MAXD>>, d: u32) -> f32 {";

/**
 * What closes a user objective: a body whose only exit was a loop that never ends gets an exit
 * from the budget's `break`, so the function needs a return after it (its value is not used: the
 * model is flagged over budget).
 */
const USER_OBJECTIVE_END = "return 0.0;\n}";

function hashText(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
}

/** Buffers owned elsewhere that the evolution may use instead of its own (a population's). */
export interface ExternalBuffers {
  /** (P, stride) parameters, e.g. GpuPopulation.params. */
  params?: GPUBuffer;
  /** (P, METRIC_STRIDE) train metrics, e.g. GpuPopulation.metrics. */
  metrics?: GPUBuffer;
  /** (P, KNOB_STRIDE) knobs, e.g. GpuPopulation.knobs. */
  knobs?: GPUBuffer;
}

type ArrayName = keyof EvolveArrays;

/** Packs the EvolveParams uniform (16 u32; byte offset = 4 * field index, order as in WGSL). */
function packUniform(d: EvolveDims): Uint32Array<ArrayBuffer> {
  const chunks = ceilDiv(d.D, d.chunk);
  return new Uint32Array([
    d.P, // 0
    d.M, // 4
    d.S, // 8
    d.D, // 12
    d.stride, // 16
    d.seed >>> 0, // 20
    d.nBlocks, // 24
    d.chunk, // 28
    chunks, // 32
    d.histCap, // 36
    dispatchGrid(ceilDiv(d.P, 64))[0], // 40 gridModels
    dispatchGrid(ceilDiv(d.P * chunks, 64))[0], // 44 gridBreed
    dispatchGrid(ceilDiv(d.S, 64))[0], // 48 gridSegs
    d.generations, // 52
    0,
    0,
  ]);
}

/**
 * Dispatch grid of evolve_objective: each segment's M models padded to whole SIMD groups of 8
 * invocations (S * ceil(M / 8) * 8), gridModels workgroups wide (the width evolve_index reads).
 * Lavapipe runs every branch that a group's lanes take and stops all loops of the group past 65,535
 * iterations; before the padding, a group spanning a user objective (up to 50,000 iterations) and
 * BBOB tasks at D = 64 (up to 13,390 each) ran past it and the user's loop stopped early, unflagged
 * (2026-12-03: 34,717 of 49,000 iterations beside f15, f12 and f13 with M = 2).
 */
export function objectiveGrid(d: EvolveDims): [number, number] {
  const width = dispatchGrid(ceilDiv(d.P, 64))[0];
  const groups = ceilDiv(d.S * ceilDiv(d.M, 8) * 8, 64);
  return [width, ceilDiv(groups, width)];
}

/** Evolution buffers and kernels on a GPU. */
export class EvolveGpu {
  readonly ctx: GpuContext;
  readonly dims: EvolveDims;
  /** Buffers by array name. */
  readonly buffers: Record<ArrayName, GPUBuffer>;
  #own: GPUBuffer[] = [];
  #pipes: Record<EvolveKernel, GPUComputePipeline>;
  #groups: Partial<Record<EvolveKernel, GPUBindGroup>> = {};
  #uniform: GPUBuffer;
  #stepUniforms: GPUBuffer[] = [];
  #stepGroups: GPUBindGroup[] = [];

  private constructor(
    ctx: GpuContext,
    dims: EvolveDims,
    pipes: Record<EvolveKernel, GPUComputePipeline>,
    tasksLength: number,
    ext: ExternalBuffers,
  ) {
    this.ctx = ctx;
    this.dims = dims;
    this.#pipes = pipes;
    const d = dims;
    const sizes = evolveArraySizes(d, tasksLength);
    const bufs = {} as Record<ArrayName, GPUBuffer>;
    for (const [name, n] of Object.entries(sizes) as [ArrayName, number][]) {
      const external = (ext as Record<string, GPUBuffer | undefined>)[name];
      if (external) {
        bufs[name] = external;
      } else {
        bufs[name] = createStorageBuffer(ctx, Math.max(1, n) * 4, `evolve-${name}`);
        this.#own.push(bufs[name]);
      }
    }
    this.buffers = bufs;
    this.#uniform = createParamsBuffer(ctx, 64, "evolve-params");
    ctx.device.queue.writeBuffer(this.#uniform, 0, packUniform(d));
    this.#own.push(this.#uniform);
    // sigma starts at 1.
    ctx.device.queue.writeBuffer(bufs.sigma, 0, new Float32Array(d.P).fill(1));
  }

  /** Compiles the kernels (cached per device) and allocates the buffers. */
  static async create(
    ctx: GpuContext,
    dims: EvolveDims,
    options: {
      tasksLength?: number;
      external?: ExternalBuffers;
      /** A user objective compiled into the objective kernel (task kind 4). */
      userObjective?: UserObjectiveWgsl;
    } = {},
  ): Promise<EvolveGpu> {
    const user = options.userObjective;
    const entries = await Promise.all(
      (Object.keys(KERNELS) as EvolveKernel[]).map(async (k) => {
        const parts = [
          RNG_WGSL,
          FINITE_WGSL,
          GENOME_LAYOUT.wgsl,
          KNOB_LAYOUT.wgsl,
          METRIC_LAYOUT.wgsl,
          EVOLVE_ROWS_WGSL,
          CONSTANTS_WGSL,
          // The tick kernel binds no parameters (the snippet's index functions read u_in).
          ...(k === "tick" ? [] : [{ file: "shaders/_evolve.wgsl", code: commonWgsl }]),
          ...(k === "objective" || k === "neural"
            ? [{ file: "shaders/_evolve_fitness.wgsl", code: fitnessCommonWgsl }]
            : []),
          ...(k === "objective" ? [BBOB_WGSL] : []),
          ...KERNELS[k].parts,
        ];
        let key = `evolve_${k}`;
        if (k === "objective") {
          // The user's body is its own part, so compile errors name the user's file and line; its
          // loops count their iterations against the budget (learners/evolution/user_loop_budget.ts).
          const total = ctx.software ? USER_SOFTWARE_TOTAL_LIMIT : USER_TOTAL_LIMIT;
          parts.push({ file: "(user objective budget)", code: userBudgetWgsl(total) });
          parts.push({ file: "(user objective signature)", code: USER_OBJECTIVE_SIGNATURE });
          parts.push({
            file: user?.file ?? "user_objective.wgsl",
            code: user ? budgetUserLoops(user.body) : "return 0.0;",
          });
          parts.push({ file: "(user objective end)", code: USER_OBJECTIVE_END });
          if (user) key += `_user_${hashText(`${user.file}\n${user.body}`)}`;
        }
        return [k, await getPipeline(ctx, key, composeWgsl(parts))] as const;
      }),
    );
    const pipes = Object.fromEntries(entries) as Record<EvolveKernel, GPUComputePipeline>;
    return new EvolveGpu(ctx, dims, pipes, options.tasksLength ?? 4, options.external ?? {});
  }

  /** Writes host arrays into the matching buffers (params, metrics, knobs only when owned). */
  upload(a: Partial<EvolveArrays>): void {
    for (const [name, arr] of Object.entries(a) as [ArrayName, Float32Array | Uint32Array][]) {
      if (!arr) continue;
      const buf = this.buffers[name];
      const bytes = Math.min(arr.byteLength, buf.size);
      this.ctx.device.queue.writeBuffer(buf, 0, arr.buffer as ArrayBuffer, arr.byteOffset, bytes);
    }
  }

  /** Reads `count` elements of one buffer back from element `first` on (one GPU await). */
  async read(name: ArrayName, count?: number, first = 0): Promise<Float32Array | Uint32Array> {
    const n = count ?? this.buffers[name].size / 4 - first;
    const bytes = await readBuffer(this.ctx, this.buffers[name], n * 4, first * 4);
    return EVOLVE_U32_ARRAYS.has(name) ? new Uint32Array(bytes) : new Float32Array(bytes);
  }

  /**
   * Encodes the copy of `count` elements of one buffer from element `first` into a fresh staging
   * buffer; after `enc`'s submit, the returned function maps it (one GPU await) and reads them.
   */
  encodeRead(
    enc: GPUCommandEncoder,
    name: ArrayName,
    count: number,
    first = 0,
  ): () => Promise<Float32Array> {
    const read = encodeReadBuffer(this.ctx, enc, this.buffers[name], count * 4, first * 4);
    return async () => new Float32Array(await read());
  }

  /** The bind group of kernel `k` (`ks`: the parameters of the knobs kernel's step). */
  #bind(k: EvolveKernel, ks?: GPUBuffer): GPUBindGroup {
    const all: Record<string, GPUBuffer | undefined> = {
      ...this.buffers,
      u_in: this.#uniform,
      params_in: ks,
    };
    const named = KERNELS[k].bindings.map((name) => [name, all[name]]);
    return bindKernel(this.ctx.device, this.#pipes[k], KERNELS[k], Object.fromEntries(named));
  }

  #group(k: EvolveKernel): GPUBindGroup {
    let g = this.#groups[k];
    if (!g) {
      g = this.#bind(k);
      this.#groups[k] = g;
    }
    return g;
  }

  #grid(k: EvolveKernel): [number, number] {
    const d = this.dims;
    if (k === "tick") return [1, 1];
    if (k === "objective") return objectiveGrid(d);
    if (k === "stats") return dispatchGrid(ceilDiv(d.S, 64));
    if (k === "breed") return dispatchGrid(ceilDiv(d.P * ceilDiv(d.D, d.chunk), 64));
    return dispatchGrid(ceilDiv(d.P, 64));
  }

  /** Encodes one dispatch of kernel `k` into an open compute pass. */
  encode(pass: GPUComputePassEncoder, k: EvolveKernel): void {
    const [x, y] = this.#grid(k);
    pass.setPipeline(this.#pipes[k]);
    pass.setBindGroup(0, this.#group(k));
    pass.dispatchWorkgroups(x, y);
  }

  /** Encodes the knobs kernel for gradient step `step` of the current generation. */
  encodeKnobs(pass: GPUComputePassEncoder, step: number): void {
    while (this.#stepUniforms.length <= step) {
      const i = this.#stepUniforms.length;
      const ub = createParamsBuffer(this.ctx, 16, `evolve-knob-step-${i}`);
      this.ctx.device.queue.writeBuffer(ub, 0, packParams(KERNELS.knobs, { step: i }));
      this.#stepUniforms.push(ub);
      this.#own.push(ub);
      this.#stepGroups.push(this.#bind("knobs", ub));
    }
    const [x, y] = this.#grid("knobs");
    pass.setPipeline(this.#pipes.knobs);
    pass.setBindGroup(0, this.#stepGroups[step]!);
    pass.dispatchWorkgroups(x, y);
  }

  /** Encodes the commit: children -> params, sigmaNext -> sigma (copies outside a pass). */
  encodeCommit(enc: GPUCommandEncoder): void {
    const d = this.dims;
    enc.copyBufferToBuffer(this.buffers.next, 0, this.buffers.params, 0, d.P * d.stride * 4);
    enc.copyBufferToBuffer(this.buffers.sigmaNext, 0, this.buffers.sigma, 0, d.P * 4);
  }

  /** Frees the buffers this object created (not the external ones). */
  destroy(): void {
    for (const b of this.#own) b.destroy();
  }
}
