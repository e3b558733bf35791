/**
 * Wrapper of `shaders/evaluate.wgsl`: loss and accuracy per model. Twin: `evaluateCpu`.
 * @module
 */
import evalWgsl from "../../shaders/evaluate.wgsl" with { type: "text" };
import { createStorageBuffer, readF32 } from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { type Chunk, type Dispatch, modelRange, submitDispatches } from "../gpu/gpu_chunks.ts";
import type { EvalResult } from "./mlp_cpu.ts";
import type { MlpLayout } from "./mlp_layout.ts";
import { MLP_WGSL, type MlpKernel, mlpKernel } from "./mlp_kernel.ts";
import { forwardTilesWgsl } from "./mlp_tiles_wgsl.ts";
import { EVALUATE_SCRATCH_WGSL } from "./scratch_wgsl.ts";

/** The evaluate kernel: `pipeline` and `pipelineSync` per grouping, input precision and tile plan. */
export const EVALUATE: MlpKernel = mlpKernel(
  "evaluate",
  [MLP_WGSL],
  (plan) => [EVALUATE_SCRATCH_WGSL, forwardTilesWgsl(plan)],
  { file: "shaders/evaluate.wgsl", code: evalWgsl },
);

/** What `evaluateOnGpu` needs of a population. */
export interface EvalSource {
  layout: MlpLayout;
  /** Models the kernels run (the population padded to its grouping). */
  padded: number;
  /** Dispatch chunks of the population's models. */
  chunks: Chunk[];
  pipeline: GPUComputePipeline;
  /** Eval samples per dispatch. */
  perDispatch: number;
  /** The kernel parameters of chunk c for eval samples [start, end). */
  params(c: Chunk, start: number, end: number): Uint32Array<ArrayBuffer>;
  /** The data set's and chunk c's buffers bound by the kernel (shaders/evaluate.wgsl). */
  bindings(
    c: Chunk,
  ): Record<"x" | "y" | "labelMap" | "params" | "scratch", GPUBuffer | GPUBufferBinding>;
}

/**
 * Mean loss and accuracy of every model of a population on its own `count` eval samples
 * (indices: (P, count) rows), with the last-layer outputs when `outputs` is set.
 */
export async function evaluateOnGpu(
  ctx: GpuContext,
  src: EvalSource,
  indices: Uint32Array<ArrayBuffer>,
  count: number,
  outputs: boolean,
): Promise<EvalResult> {
  const L = src.layout;
  const P = L.size;
  const idx = createStorageBuffer(ctx, src.padded * count * 4, "eval-idx");
  ctx.device.queue.writeBuffer(idx, 0, indices);
  const results = createStorageBuffer(ctx, src.padded * 8, "eval-results");
  const outCount = outputs ? src.padded * count * L.outputs : 1;
  const outBuf = createStorageBuffer(ctx, outCount * 4, "eval-outputs");
  const dispatches: Dispatch[] = [];
  for (const c of src.chunks) {
    const b = src.bindings(c);
    for (let start = 0; start < count; start += src.perDispatch) {
      dispatches.push({
        params: src.params(c, start, Math.min(count, start + src.perDispatch)),
        buffers: [
          b.x,
          b.y,
          modelRange(idx, c, count * 4),
          b.labelMap,
          b.params,
          b.scratch,
          modelRange(results, c, 8),
          outputs ? modelRange(outBuf, c, count * L.outputs * 4) : outBuf,
        ],
        grid: c.grid,
      });
    }
  }
  submitDispatches(ctx, "evaluate", src.pipeline, dispatches);
  // Results and outputs are read back together: one wait.
  const [r, outs] = await Promise.all([
    readF32(ctx, results, 2 * P),
    outputs ? readF32(ctx, outBuf, P * count * L.outputs) : undefined,
  ]);
  const loss = new Float32Array(P);
  const accuracy = new Float32Array(P);
  for (let p = 0; p < P; p++) {
    loss[p] = r[2 * p]! / count;
    accuracy[p] = r[2 * p + 1]! / count;
  }
  const out: EvalResult = { loss, accuracy };
  if (outs) out.outputs = outs;
  for (const b of [idx, results, outBuf]) b.destroy();
  return out;
}
