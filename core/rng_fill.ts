/**
 * GPU wrapper of `shaders/rng_fill.wgsl`: draws n words, uniforms and normals from the
 * counter-based RNG on the GPU. Its CPU twin is `rngFillCpu`.
 * @module
 */
import rngWgsl from "../shaders/_rng.wgsl" with { type: "text" };
import fillWgsl from "../shaders/rng_fill.wgsl" with { type: "text" };
import { ceilDiv, createStorageBuffer, readF32, readU32 } from "./buffers.ts";
import type { GpuContext } from "./gpu_context.ts";
import { encodeGridKernel, kernelInterface } from "./kernel_interface.ts";
import { composeWgsl, getPipeline, GRID_WGSL } from "./pipelines.ts";
import { rngNormal, rngU32, rngUniform } from "./rng.ts";

/** The shared RNG snippet, for kernels that draw random numbers. */
export const RNG_WGSL = { file: "shaders/_rng.wgsl", code: rngWgsl };

/** Draws of the RNG for c0 = base .. base + n - 1. */
export interface RngFill {
  /** Raw u32 draws. */
  words: Uint32Array;
  /** Uniform floats in [0, 1). */
  uniforms: Float32Array;
  /** Standard normals. */
  normals: Float32Array;
}

/** Options of an RNG fill: which key and counters to draw. */
export interface RngFillOptions {
  /** RNG seed (Threefry key word 0). */
  seed: number;
  /** RNG stream (Threefry key word 1). */
  stream: number;
  /** First counter c0 (default 0). */
  base?: number;
  /** Second counter word (default 0). */
  c1?: number;
}

/** CPU twin of the rng_fill kernel. */
export function rngFillCpu(n: number, o: RngFillOptions): RngFill {
  const words = new Uint32Array(n);
  const uniforms = new Float32Array(n);
  const normals = new Float32Array(n);
  const base = o.base ?? 0;
  for (let i = 0; i < n; i++) {
    const c0 = (base + i) >>> 0;
    words[i] = rngU32(o.seed, o.stream, c0, o.c1 ?? 0);
    uniforms[i] = rngUniform(o.seed, o.stream, c0, o.c1 ?? 0);
    normals[i] = rngNormal(o.seed, o.stream, c0, o.c1 ?? 0);
  }
  return { words, uniforms, normals };
}

const FILL = kernelInterface("shaders/rng_fill.wgsl", fillWgsl, {
  readWrite: "words: array<u32>, uniforms, normals",
  params: "n, seed, stream, base, c1, gridX",
});

/** Runs the rng_fill kernel for n draws and reads the results back. */
export async function rngFillGpu(ctx: GpuContext, n: number, o: RngFillOptions): Promise<RngFill> {
  const iface = FILL;
  const src = composeWgsl([RNG_WGSL, GRID_WGSL, ...iface.parts]);
  const pipeline = await getPipeline(ctx, "rng_fill", src);
  const words = createStorageBuffer(ctx, n * 4, "rng-words");
  const uniforms = createStorageBuffer(ctx, n * 4, "rng-uniforms");
  const normals = createStorageBuffer(ctx, n * 4, "rng-normals");
  const enc = ctx.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  const ub = encodeGridKernel(ctx, pass, { pipeline, iface }, {
    groups: ceilDiv(n, 64),
    buffers: { words, uniforms, normals },
    params: { n, seed: o.seed, stream: o.stream, base: o.base ?? 0, c1: o.c1 ?? 0 },
  });
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
  // The three readbacks are issued together: one wait.
  const [wordsOut, uniformsOut, normalsOut] = await Promise.all([
    readU32(ctx, words, n),
    readF32(ctx, uniforms, n),
    readF32(ctx, normals, n),
  ]);
  const out = { words: wordsOut, uniforms: uniformsOut, normals: normalsOut };
  for (const b of [words, uniforms, normals, ub]) b.destroy();
  return out;
}
