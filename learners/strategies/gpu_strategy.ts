/**
 * `GpuStrategy`: S instances of one registered strategy on the GPU. It owns the state buffers,
 * encodes ask (noise, candidates) and tell (rank weights, the strategy's update) with the kernels
 * of `strategy_kernels.ts`, and keeps the generation counter on the host. CMA-ES's lazy
 * eigendecomposition runs on the host (one readback every `cmaEigenGap` generations).
 * @module
 */
import { createStorageBuffer, createStorageBufferFrom, readF32 } from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { chiN } from "./cma_update.ts";
import { cmaDecompose, cmaEigenGap, type CmaEsParams } from "./cma_es.ts";
import { getStrategy } from "./registry.ts";
import type { Strategy, StrategyConfig, StrategyState } from "./strategy.ts";
import type { GridRun, InterfacedKernel } from "../../core/kernel_interface.ts";
import {
  encodeKernel,
  groupsFor,
  strategyLoops,
  type StrategyPipelines,
  strategyPipelines,
} from "./strategy_kernels.ts";
import { LOOP_BUDGET } from "../mlp/loop_budget.ts";

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

/** What one device evaluation reads and writes. */
export interface DeviceEvaluation {
  /** Candidates (S, N, D) f32. */
  x: GPUBuffer;
  /** Fitness (S, N) f32, written. */
  fitness: GPUBuffer;
  /** Candidates per instance N and their dimension D. */
  sizes: { popSize: number; dim: number };
  /** Receives the parameter buffers the evaluation creates (freed after the submit). */
  owned: GPUBuffer[];
}

/** Computes fitness (S, N) of candidates x (S, N, D) on the device, e.g. `BbobDevice`. */
export interface DeviceEvaluator {
  /** Encodes the evaluation of `e.x` into `e.fitness`. */
  encode(enc: GPUCommandEncoder, e: DeviceEvaluation): void;
}
const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

/** S instances of a strategy on the GPU, created from a (CPU) state. */
export class GpuStrategy {
  /** The GPU context. */
  readonly ctx: GpuContext;
  /** The strategy. */
  readonly strategy: Strategy<Record<string, number>>;
  /** Sizes. */
  readonly config: StrategyConfig;
  /** Params (fixed for the run). */
  readonly params: Record<string, number>;
  /** Candidates (S, N, D) f32, written by ask: a device objective may read it. */
  readonly x: GPUBuffer;
  /** Fitness (S, N) f32, read by tell: a device objective may write it. */
  readonly fitness: GPUBuffer;
  #p: StrategyPipelines;
  #b: Record<string, GPUBuffer>;
  #host: StrategyState;
  #owned: GPUBuffer[] = [];

  private constructor(
    ctx: GpuContext,
    name: string,
    config: StrategyConfig,
    params: Record<string, number>,
    state: StrategyState,
    pipelines: StrategyPipelines,
  ) {
    this.ctx = ctx;
    this.strategy = getStrategy(name);
    this.config = config;
    this.params = params;
    this.#p = pipelines;
    this.#host = cloneState(state);
    const { instances: S, dim: D, popSize: N } = config;
    const up = (a: ArrayLike<number>, label: string) => createStorageBufferFrom(ctx, f32(a), label);
    const aux = state.aux;
    this.#b = {
      mean: up(state.mean, "es-mean"),
      scale: up(state.scale, "es-scale"),
      transform: up(state.transform ?? [0], "es-transform"),
      z: createStorageBuffer(ctx, S * N * D * 4, "es-z"),
      w: createStorageBuffer(ctx, S * N * 4, "es-w"),
      table: up(this.strategy.weightTable(config, params), "es-table"),
    };
    this.#b.best = up(state.bestFitness, "es-best");
    this.#b.bestX = up(state.bestX, "es-best-x");
    this.x = createStorageBuffer(ctx, S * N * D * 4, "es-x");
    this.fitness = createStorageBuffer(ctx, S * N * 4, "es-fitness");
    if (aux.adamM) this.#b.adam = up(interleaveRows(aux.adamM, aux.adamV!, S, D), "es-adam");
    if (aux.C) {
      this.#b.C = up(aux.C, "es-cov");
      this.#b.B = up(aux.B ?? [0], "es-basis");
      this.#b.paths = up(cmaPaths(aux, S, D), "es-paths");
      this.#b.scratch = createStorageBuffer(ctx, S * 3 * D * 4, "es-scratch");
    }
  }

  /** Uploads `state` (from the strategy's `init`, or a CPU run) for strategy `name`. */
  static async create(
    ctx: GpuContext,
    name: string,
    config: StrategyConfig,
    params: Record<string, number>,
    state: StrategyState,
  ): Promise<GpuStrategy> {
    const loops = strategyLoops(name, config, params);
    if (ctx.software && loops > LOOP_BUDGET) {
      throw new RangeError(
        `Cannot run ${name} on this software adapter as its kernels need ${loops} loop iterations per invocation and the driver stops at 65,535 (budget ${LOOP_BUDGET}): dim ${config.dim}, popSize ${config.popSize} (use the CPU twins)`,
      );
    }
    return new GpuStrategy(ctx, name, config, params, state, await strategyPipelines(ctx));
  }

  /** Generations told so far. */
  get generation(): number {
    return this.#host.generation;
  }

  /** Encodes the ask: noise into z, then candidates into `x`. */
  encodeAsk(enc: GPUCommandEncoder): void {
    const { instances: S, dim: D, popSize: N } = this.config;
    const b = this.#b;
    const params = {
      S,
      D,
      N,
      seed: this.#host.seed,
      generation: this.#host.generation,
      antithetic: this.strategy.antithetic ? 1 : 0,
      full: this.#host.transform ? 1 : 0,
    };
    const groups = groupsFor(S * N * D);
    encodeKernel(
      this.ctx,
      enc,
      this.#p.noise,
      { groups, buffers: { z: b.z }, params },
      this.#owned,
    );
    const buffers = { mean: b.mean, scale: b.scale, transform: b.transform, z: b.z, x: this.x };
    encodeKernel(this.ctx, enc, this.#p.candidates, { groups, buffers, params }, this.#owned);
  }

  /** Encodes the best-so-far update from `fitness` and `x` (before the tell, which moves on). */
  encodeBest(enc: GPUCommandEncoder): void {
    const { instances: S, dim: D, popSize: N } = this.config;
    const buffers = { fitness: this.fitness, x: this.x, best: this.#b.best, bestX: this.#b.bestX };
    const run = { groups: groupsFor(S), buffers, params: { S, N, D } };
    encodeKernel(this.ctx, enc, this.#p.best, run, this.#owned);
  }

  /**
   * Runs `generations` generations with fitness computed on the device by `evaluator` (ask,
   * evaluate, best-so-far, tell), `perSubmit` generations per submit (default 16), and no
   * readback except full CMA-ES's eigendecomposition when due.
   */
  async runDevice(evaluator: DeviceEvaluator, generations: number, perSubmit = 16): Promise<void> {
    const p = this.params as unknown as CmaEsParams;
    const lazy = this.strategy.name === "cma-es" && !p.separable;
    const gap = lazy ? cmaEigenGap(this.config, p) : Infinity;
    let left = generations;
    while (left > 0) {
      const untilEigen = gap - (this.#host.generation % gap);
      const n = Math.min(left, perSubmit, untilEigen);
      const enc = this.ctx.device.createCommandEncoder();
      for (let g = 0; g < n; g++) {
        this.encodeAsk(enc);
        evaluator.encode(enc, {
          x: this.x,
          fitness: this.fitness,
          sizes: this.config,
          owned: this.#owned,
        });
        this.encodeBest(enc);
        this.encodeTell(enc);
      }
      this.ctx.device.queue.submit([enc.finish()]);
      this.#free();
      left -= n;
      await this.refreshEigen();
    }
  }

  /** Encodes the tell: rank weights from `fitness`, then the strategy's update; counts a generation. */
  encodeTell(enc: GPUCommandEncoder): void {
    const { instances: S, popSize: N } = this.config;
    const b = this.#b;
    encodeKernel(this.ctx, enc, this.#p.rank, {
      groups: groupsFor(S * N),
      buffers: { fitness: this.fitness, table: b.table, w: b.w },
      params: { S, N },
    }, this.#owned);
    this.#encodeUpdate(enc);
    this.#host.generation++;
  }

  #encodeUpdate(enc: GPUCommandEncoder): void {
    const { instances: S, dim: D, popSize: N } = this.config;
    const b = this.#b;
    const p = this.params;
    const g = this.#host.generation;
    const run = (kernel: InterfacedKernel, r: GridRun) =>
      encodeKernel(this.ctx, enc, kernel, r, this.#owned);
    const diag = {
      groups: groupsFor(S * D),
      buffers: { z: b.z, w: b.w, mean: b.mean, scale: b.scale },
    };
    switch (this.strategy.name) {
      case "openai-es": {
        const lr = Math.max(p.lr! * p.lrDecay! ** g, p.lrLimit!);
        const [beta1, beta2] = [p.beta1!, p.beta2!];
        const { eps, sigmaDecay, sigmaLimit } = p;
        const bias = { bias1: 1 - beta1 ** (g + 1), bias2: 1 - beta2 ** (g + 1) };
        const params = { S, D, N, lr, beta1, beta2, eps, sigmaDecay, sigmaLimit, ...bias };
        return run(this.#p.openai, { ...diag, buffers: { ...diag.buffers, adam: b.adam }, params });
      }
      case "snes":
        return run(this.#p.snes, {
          ...diag,
          params: { S, D, N, lrMean: p.lrMean, lrSigma: p.lrSigma },
        });
      case "pgpe": {
        const { lrMean, lrSigma, maxSigmaChange } = p;
        return run(this.#p.pgpe, { ...diag, params: { S, D, N, lrMean, lrSigma, maxSigmaChange } });
      }
      case "cma-es": {
        const { mueff, cs, ds, cc, c1, cmu } = p;
        const params = {
          S,
          D,
          N,
          separable: p.separable,
          generation: g,
          mueff,
          cs,
          ds,
          cc,
          c1,
          cmu,
        };
        const buffers = { x: this.x, z: b.z, w: b.w, B: b.B, mean: b.mean, C: b.C };
        return run(this.#p.cma, {
          groups: S,
          buffers: { ...buffers, paths: b.paths, scale: b.scale, scratch: b.scratch },
          params: { ...params, chiN: chiN(D), hsigBound: 1.4 + 2 / (D + 1) },
        });
      }
    }
  }

  /** Runs the ask and reads the candidates back (one GPU await). */
  async ask(): Promise<Float32Array> {
    const enc = this.ctx.device.createCommandEncoder();
    this.encodeAsk(enc);
    this.ctx.device.queue.submit([enc.finish()]);
    this.#free();
    const { instances: S, dim: D, popSize: N } = this.config;
    return await readF32(this.ctx, this.x, S * N * D);
  }

  /** Uploads host fitness (S, N) and runs the tell; refreshes CMA-ES's eigenbasis when due. */
  async tell(fitness: ArrayLike<number>): Promise<void> {
    this.ctx.device.queue.writeBuffer(this.fitness, 0, f32(fitness));
    const enc = this.ctx.device.createCommandEncoder();
    this.encodeTell(enc);
    this.ctx.device.queue.submit([enc.finish()]);
    this.#free();
    await this.refreshEigen();
  }

  /** For full CMA-ES when due: reads C, decomposes it on the host, uploads B and the transform. */
  async refreshEigen(): Promise<void> {
    const p = this.params as unknown as CmaEsParams;
    if (this.strategy.name !== "cma-es" || p.separable) return;
    if (this.#host.generation % cmaEigenGap(this.config, p) !== 0) return;
    const st = this.#host;
    st.aux.C = f64(await readF32(this.ctx, this.#b.C!));
    const paths = await readF32(this.ctx, this.#b.paths!);
    const { instances: S, dim: D } = this.config;
    for (let s = 0; s < S; s++) st.aux.sigma![s] = paths[s * (2 * D + 1) + 2 * D]!;
    cmaDecompose(this.config, p, st);
    this.ctx.device.queue.writeBuffer(this.#b.B!, 0, f32(st.aux.B!));
    this.ctx.device.queue.writeBuffer(this.#b.transform!, 0, f32(st.transform!));
    this.ctx.device.queue.writeBuffer(this.#b.scale!, 0, f32(st.scale));
  }

  /** Reads the rank weights (S, N) of the last tell back (for the rank kernel's parity test). */
  async readWeights(): Promise<Float32Array> {
    return await readF32(this.ctx, this.#b.w!, this.config.instances * this.config.popSize);
  }

  /** Reads the whole state back as a `StrategyState` (for parity tests and results). */
  async readState(): Promise<StrategyState> {
    return await readGpuState(this.ctx, this.#b, this.#host, this.config);
  }

  /** Frees every buffer. */
  destroy(): void {
    for (const buf of Object.values(this.#b)) buf.destroy();
    this.x.destroy();
    this.fitness.destroy();
    this.#free();
  }

  #free(): void {
    for (const buf of this.#owned) buf.destroy();
    this.#owned = [];
  }
}

/** A deep copy of a state (the GPU strategy keeps its own host-side copy). */
export function cloneState(state: StrategyState): StrategyState {
  const aux: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(state.aux)) aux[k] = v.slice();
  return {
    ...state,
    mean: state.mean.slice(),
    scale: state.scale.slice(),
    transform: state.transform?.slice(),
    aux,
    bestFitness: state.bestFitness.slice(),
    bestX: state.bestX.slice(),
  };
}

/** (S, D) rows of a and b interleaved as (S, 2, D). */
function interleaveRows(a: Float64Array, b: Float64Array, S: number, D: number): Float64Array {
  const out = new Float64Array(2 * S * D);
  for (let s = 0; s < S; s++) {
    out.set(a.subarray(s * D, (s + 1) * D), 2 * s * D);
    out.set(b.subarray(s * D, (s + 1) * D), (2 * s + 1) * D);
  }
  return out;
}

/** CMA-ES paths as the kernel stores them: (S, 2D + 1) = ps, pc, sigma. */
function cmaPaths(aux: Record<string, Float64Array>, S: number, D: number): Float64Array {
  const out = new Float64Array(S * (2 * D + 1));
  for (let s = 0; s < S; s++) {
    out.set(aux.ps!.subarray(s * D, (s + 1) * D), s * (2 * D + 1));
    out.set(aux.pc!.subarray(s * D, (s + 1) * D), s * (2 * D + 1) + D);
    out[s * (2 * D + 1) + 2 * D] = aux.sigma![s]!;
  }
  return out;
}

/** Reads buffers back into a state shaped like the CPU twin's. */
async function readGpuState(
  ctx: GpuContext,
  b: Record<string, GPUBuffer>,
  host: StrategyState,
  config: StrategyConfig,
): Promise<StrategyState> {
  const { instances: S, dim: D } = config;
  const read = async (buf: GPUBuffer) => f64(await readF32(ctx, buf));
  const st: StrategyState = {
    ...host,
    mean: (await read(b.mean!)).slice(0, S * D),
    scale: (await read(b.scale!)).slice(0, S * D),
    aux: {},
    bestFitness: (await read(b.best!)).slice(0, S),
    bestX: (await read(b.bestX!)).slice(0, S * D),
  };
  if (host.transform) st.transform = (await read(b.transform!)).slice(0, S * D * D);
  if (b.adam) {
    const a = await read(b.adam);
    st.aux.adamM = new Float64Array(S * D);
    st.aux.adamV = new Float64Array(S * D);
    for (let s = 0; s < S; s++) {
      st.aux.adamM.set(a.subarray(2 * s * D, (2 * s + 1) * D), s * D);
      st.aux.adamV.set(a.subarray((2 * s + 1) * D, (2 * s + 2) * D), s * D);
    }
  }
  if (b.C) {
    const paths = await read(b.paths!);
    st.aux.C = (await read(b.C)).slice(0, host.aux.C!.length);
    st.aux.B = host.aux.B?.slice() ?? new Float64Array(0);
    st.aux.ps = new Float64Array(S * D);
    st.aux.pc = new Float64Array(S * D);
    st.aux.sigma = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      const o = s * (2 * D + 1);
      st.aux.ps.set(paths.subarray(o, o + D), s * D);
      st.aux.pc.set(paths.subarray(o + D, o + 2 * D), s * D);
      st.aux.sigma[s] = paths[o + 2 * D]!;
    }
  }
  return st;
}
