import { createStorageBuffer, createStorageBufferFrom } from "../core/buffers.ts";
import { GpuBackend } from "../learners/gpu/gpu_backend.ts";
import { metaTrainFamily } from "./metatrain.ts";
import { encodeMetaKernel, metaPipeline, type MetaKernel, type MetaRun } from "../learners/meta_train/meta_kernel.ts";
import { LOWRANK_OUTER, LOWRANK_PROJECT, lowrankInnerKernel, lowrankRuns, scratchFloats } from "../learners/meta_train/lowrank_kernels.ts";
import { mlpLayout } from "../learners/mlp/mlp_layout.ts";
import { tailCount } from "../learners/meta_train/lowrank_shape.ts";
import { cpuClock, cpuSince } from "./metatrain_profile.ts";
import { GpuDataset } from "../learners/gpu/gpu_dataset.ts";
const gpu = await GpuBackend.create();
const ctx = gpu.ctx;
const w = await metaTrainFamily();
const T = Number(Deno.args[0] ?? 32);
const batch = w.family.sampleEpisodes(1, 512);
const data = gpu.uploadDataset(batch.dataset) as GpuDataset;
const L = mlpLayout({ size: 1, widths: w.widths, batchSize: 25 });
const s = { tasks: T, support: batch.supportSize, batch: 25, query: Deno.args[1] !== "reptile", steps: Number(Deno.args[2] ?? 5), lr: 0.1 };
const H = 64;
const f = (n: number) => createStorageBuffer(ctx, n * 4, "x");
const theta = createStorageBufferFrom(ctx, Float32Array.from({ length: L.stride }, () => 0.05 * (Math.random() - 0.5)), "t");
const ids = createStorageBufferFrom(ctx, Uint32Array.from({ length: T }, (_, i) => i), "ids");
const b = {
  theta, x: data.x, y: data.y, ids,
  support: createStorageBufferFrom(ctx, batch.support, "s"), query: createStorageBufferFrom(ctx, batch.query, "q"),
  labelMap: createStorageBufferFrom(ctx, batch.labelMap!, "l"),
  proj: f(T * 30 * (H + 5)), A: f(T * H * 5), tails: f(T * tailCount(L)), d1q: f(T * 25 * H), metrics: f(T * 4),
  scratch: f(scratchFloats(L, s)), out: f(L.stride),
};
const runs = lowrankRuns(L, b, s, { idsOffset: 0, querySize: batch.querySize, labelWidth: batch.labelMapWidth, targetWidth: 1 });
const kernels: MetaKernel[] = [LOWRANK_PROJECT, lowrankInnerKernel(L), LOWRANK_OUTER];
for (let k = 0; k < 3; k++) {
  const pipe = await metaPipeline(ctx, kernels[k]!);
  const go = async (n: number) => {
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (let i = 0; i < n; i++) encodeMetaKernel(ctx, pass, pipe, kernels[k]!, runs[k] as MetaRun);
    pass.end();
    ctx.device.queue.submit([enc.finish()]);
    await ctx.device.queue.onSubmittedWorkDone();
  };
  await go(1);
  const c = cpuClock();
  const t0 = performance.now();
  await go(10);
  console.log(kernels[k]!.key, ((performance.now() - t0) / 10).toFixed(2), "wall-ms", (cpuSince(c).processMs / 10).toFixed(2), "CPU-ms per dispatch, T =", T);
}
