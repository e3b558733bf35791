/**
 * Wrappers of the strategy kernels (`shaders/es_*.wgsl`): each kernel's interface (bindings and
 * parameters), pipelines built once per device, and one encoder that packs a dispatch's parameters
 * and binds its buffers by name. Twins: `askCpu`, `rankWeightsCpu` and each strategy's update
 * function.
 * @module
 */
import askWgsl from "../../shaders/es_ask.wgsl" with { type: "text" };
import rankWgsl from "../../shaders/es_rank.wgsl" with { type: "text" };
import openAiWgsl from "../../shaders/es_openai_tell.wgsl" with { type: "text" };
import snesWgsl from "../../shaders/es_snes_tell.wgsl" with { type: "text" };
import pgpeWgsl from "../../shaders/es_pgpe_tell.wgsl" with { type: "text" };
import esTellWgsl from "../../shaders/_es_tell.wgsl" with { type: "text" };
import cmaWgsl from "../../shaders/es_cma_tell.wgsl" with { type: "text" };
import bestWgsl from "../../shaders/es_best.wgsl" with { type: "text" };
import { ceilDiv } from "../../core/buffers.ts";
import type { StrategyConfig } from "./strategy.ts";
import { loopRuns as loop } from "../mlp/loop_budget.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import {
  encodeGridKernel,
  type GridRun,
  type InterfacedKernel,
  type KernelInterface,
  kernelInterface,
} from "../../core/kernel_interface.ts";
import { composeWgsl, getPipeline, GRID_WGSL, type WgslPart } from "../../core/pipelines.ts";
import { RNG_WGSL } from "../../core/rng_fill.ts";

const HEAD = "S, D, N, gridX";
const DIAG = { read: "z, w", readWrite: "mean, scale" };

const ASK = kernelInterface("shaders/es_ask.wgsl", askWgsl, {
  read: "mean, scale, transform",
  readWrite: "z, x",
  params: `${HEAD}, seed, generation, antithetic, full`,
});
const RANK = kernelInterface("shaders/es_rank.wgsl", rankWgsl, {
  read: "fitness, table",
  readWrite: "w",
  params: "S, N, gridX",
});
const OPENAI = kernelInterface("shaders/es_openai_tell.wgsl", openAiWgsl, {
  read: DIAG.read,
  readWrite: `${DIAG.readWrite}, adam`,
  params: `${HEAD}, lr: f32, beta1: f32, beta2: f32, eps: f32, sigmaDecay: f32, sigmaLimit: f32` +
    ", bias1: f32, bias2: f32",
});
const SNES = kernelInterface("shaders/es_snes_tell.wgsl", snesWgsl, {
  ...DIAG,
  params: `${HEAD}, lrMean: f32, lrSigma: f32`,
});
const PGPE = kernelInterface("shaders/es_pgpe_tell.wgsl", pgpeWgsl, {
  ...DIAG,
  params: `${HEAD}, lrMean: f32, lrSigma: f32, maxSigmaChange: f32`,
});
const CMA = kernelInterface("shaders/es_cma_tell.wgsl", cmaWgsl, {
  read: "x, z, w, B",
  readWrite: "mean, C, paths, scale, scratch",
  params: `${HEAD}, separable, generation, mueff: f32, cs: f32, ds: f32, cc: f32, c1: f32` +
    ", cmu: f32, chiN: f32, hsigBound: f32",
});
const BEST = kernelInterface("shaders/es_best.wgsl", bestWgsl, {
  read: "fitness, x",
  readWrite: "best, bestX",
  params: "S, N, D, gridX",
});

/** The compiled strategy kernels of one device. */
export interface StrategyPipelines {
  /** es_ask.wgsl entry `noise`. */
  noise: InterfacedKernel;
  /** es_ask.wgsl entry `candidates`. */
  candidates: InterfacedKernel;
  /** es_rank.wgsl. */
  rank: InterfacedKernel;
  /** es_openai_tell.wgsl. */
  openai: InterfacedKernel;
  /** es_snes_tell.wgsl. */
  snes: InterfacedKernel;
  /** es_pgpe_tell.wgsl. */
  pgpe: InterfacedKernel;
  /** es_cma_tell.wgsl. */
  cma: InterfacedKernel;
  /** es_best.wgsl. */
  best: InterfacedKernel;
}

/** Compiles (or takes from the cache) the kernel of `iface` after `snippets`. */
async function compile(
  ctx: GpuContext,
  iface: KernelInterface,
  snippets: WgslPart[],
  entryPoint?: string,
): Promise<InterfacedKernel> {
  const key = iface.file.replace(/^shaders\/(.*)\.wgsl$/, "$1");
  const src = composeWgsl([...snippets, GRID_WGSL, ...iface.parts]);
  return { pipeline: await getPipeline(ctx, key, src, { entryPoint }), iface };
}

/** Compiles (or takes from the cache) every strategy pipeline. */
export async function strategyPipelines(ctx: GpuContext): Promise<StrategyPipelines> {
  const tell = [{ file: "shaders/_es_tell.wgsl", code: esTellWgsl }];
  return {
    noise: await compile(ctx, ASK, [RNG_WGSL], "noise"),
    candidates: await compile(ctx, ASK, [RNG_WGSL], "candidates"),
    rank: await compile(ctx, RANK, []),
    openai: await compile(ctx, OPENAI, tell),
    snes: await compile(ctx, SNES, tell),
    pgpe: await compile(ctx, PGPE, tell),
    cma: await compile(ctx, CMA, []),
    best: await compile(ctx, BEST, []),
  };
}

/**
 * Encodes one dispatch of `kernel` in its own compute pass (bindings an entry point does not use
 * are left out of `run.buffers`: "auto" layouts leave them out); the parameters buffer is pushed to
 * `owned` so the caller can free it after the submit.
 */
export function encodeKernel(
  ctx: GpuContext,
  enc: GPUCommandEncoder,
  kernel: InterfacedKernel,
  run: GridRun,
  owned: GPUBuffer[],
): void {
  const pass = enc.beginComputePass();
  owned.push(encodeGridKernel(ctx, pass, kernel, run));
  pass.end();
}

/** Workgroups of 64 that cover `n` elements. */
export function groupsFor(n: number): number {
  return ceilDiv(n, 64);
}

/**
 * Loop iterations (each loop's iterations plus one exit test per run) one invocation of a strategy
 * kernel runs at most, the largest of them, for D coordinates and N candidates: es_ask with a full
 * transform (D per entry), es_rank and the tells (N per entry), es_best (N and D per instance) and,
 * for CMA-ES, es_cma_tell (one workgroup of 64 per instance: ceil(D/64) coordinates each over the N
 * candidates and, full, over D; ceil(count/64) covariance entries each over N, count D^2 or D).
 * Lavapipe stops an invocation's loops silently past 65,535 (learners/mlp/loop_budget.ts).
 */
export function strategyLoopIterations(
  D: number,
  N: number,
  o: { cma: boolean; full: boolean },
): number {
  let most = Math.max(o.full ? loop(1, D) : 0, loop(1, N), loop(1, N) + loop(1, D));
  if (o.cma) {
    const c = Math.ceil(D / 64);
    const e = Math.ceil((o.full ? D * D : D) / 64);
    const cma = loop(1, c) + loop(c, c * N) + loop(1, c) + (o.full ? loop(c, c * D) : 0) +
      loop(1, 6) + loop(1, c) + loop(1, e) + loop(e, e * N) + loop(1, c);
    most = Math.max(most, cma);
  }
  return most;
}

/** strategyLoopIterations of strategy `name` at `config` with `params` (full CMA-ES unless separable). */
export function strategyLoops(
  name: string,
  config: StrategyConfig,
  params: Record<string, number>,
): number {
  const cma = name === "cma-es";
  return strategyLoopIterations(config.dim, config.popSize, {
    cma,
    full: cma && !params.separable,
  });
}
