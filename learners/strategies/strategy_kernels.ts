/**
 * Wrappers of the strategy kernels (`shaders/es_*.wgsl`): pipelines built once per device, and
 * one encoder function per kernel that packs its parameters (byte offsets in comments) and
 * computes the dispatch with `ceilDiv`. Twins: `askCpu`, `rankWeightsCpu` and each strategy's
 * update function.
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
import { ceilDiv, createParamsBuffer, dispatchGrid } from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { composeWgsl, getPipeline, GRID_WGSL } from "../../core/pipelines.ts";
import { RNG_WGSL } from "../../core/rng_fill.ts";

/** The compiled strategy pipelines of one device. */
export interface StrategyPipelines {
  /** es_ask.wgsl entry `noise`. */
  noise: GPUComputePipeline;
  /** es_ask.wgsl entry `candidates`. */
  candidates: GPUComputePipeline;
  /** es_rank.wgsl. */
  rank: GPUComputePipeline;
  /** es_openai_tell.wgsl. */
  openai: GPUComputePipeline;
  /** es_snes_tell.wgsl. */
  snes: GPUComputePipeline;
  /** es_pgpe_tell.wgsl. */
  pgpe: GPUComputePipeline;
  /** es_cma_tell.wgsl. */
  cma: GPUComputePipeline;
  /** es_best.wgsl. */
  best: GPUComputePipeline;
}

/** Compiles (or takes from the cache) every strategy pipeline. */
export async function strategyPipelines(ctx: GpuContext): Promise<StrategyPipelines> {
  const ask = composeWgsl([RNG_WGSL, GRID_WGSL, { file: "shaders/es_ask.wgsl", code: askWgsl }]);
  const one = (file: string, code: string) => composeWgsl([GRID_WGSL, { file, code }]);
  const tell = (file: string, code: string) =>
    composeWgsl([GRID_WGSL, { file: "shaders/_es_tell.wgsl", code: esTellWgsl }, { file, code }]);
  return {
    noise: await getPipeline(ctx, "es_ask", ask, { entryPoint: "noise" }),
    candidates: await getPipeline(ctx, "es_ask", ask, { entryPoint: "candidates" }),
    rank: await getPipeline(ctx, "es_rank", one("shaders/es_rank.wgsl", rankWgsl)),
    openai: await getPipeline(
      ctx,
      "es_openai_tell",
      tell("shaders/es_openai_tell.wgsl", openAiWgsl),
    ),
    snes: await getPipeline(ctx, "es_snes_tell", tell("shaders/es_snes_tell.wgsl", snesWgsl)),
    pgpe: await getPipeline(ctx, "es_pgpe_tell", tell("shaders/es_pgpe_tell.wgsl", pgpeWgsl)),
    cma: await getPipeline(ctx, "es_cma_tell", one("shaders/es_cma_tell.wgsl", cmaWgsl)),
    best: await getPipeline(ctx, "es_best", one("shaders/es_best.wgsl", bestWgsl)),
  };
}

/** Parameter words of one dispatch: u32 head then f32 tail, each 4 bytes. */
export interface KernelParams {
  /** Leading u32 fields in struct order. */
  u: number[];
  /** Trailing f32 fields in struct order. */
  f?: number[];
}

/**
 * Encodes one dispatch of `pipeline` with `buffers` then a parameters buffer holding `p` (the
 * buffer is pushed to `owned` so the caller can free it). `groups` workgroups go on an (x, y) grid;
 * gridX is written into the u32 slot `gridSlot` of `p.u`.
 */
export function encodeKernel(
  ctx: GpuContext,
  enc: GPUCommandEncoder,
  pipeline: GPUComputePipeline,
  buffers: (GPUBuffer | null)[],
  k: { params: KernelParams; groups: number; gridSlot: number; owned: GPUBuffer[] },
): void {
  const [gx, gy] = dispatchGrid(k.groups);
  const u = [...k.params.u];
  u[k.gridSlot] = gx;
  const words = new ArrayBuffer(4 * (u.length + (k.params.f?.length ?? 0)));
  new Uint32Array(words, 0, u.length).set(u.map((v) => v >>> 0));
  if (k.params.f) new Float32Array(words, 4 * u.length).set(k.params.f);
  const pb = createParamsBuffer(ctx, words.byteLength, `${pipeline.label}-params`);
  ctx.device.queue.writeBuffer(pb, 0, words);
  k.owned.push(pb);
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  // Bindings an entry point does not use are null: "auto" layouts leave them out.
  const entries = [...buffers, pb].flatMap((buffer, binding) =>
    buffer ? [{ binding, resource: { buffer } }] : []
  );
  const layout = pipeline.getBindGroupLayout(0);
  pass.setBindGroup(
    0,
    ctx.device.createBindGroup({ label: `${pipeline.label}-bind`, layout, entries }),
  );
  pass.dispatchWorkgroups(gx, gy);
  pass.end();
}

/** Workgroups of 64 that cover `n` elements. */
export function groupsFor(n: number): number {
  return ceilDiv(n, 64);
}
