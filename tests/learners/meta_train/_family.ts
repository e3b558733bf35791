/** The small episode family the meta-loop tests sample from, and their loop helpers. */
import { Rng } from "../../../core/rng.ts";
import type { GpuContext } from "../../../core/gpu_context.ts";
import type { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import {
  createGpuMetaLoop,
  type GpuMetaLoop,
  loopModels,
  loopShape,
  type MetaLoopSpec,
  type MetaLoopState,
} from "../../../learners/meta_train/mod.ts";
import { RealEpisodes } from "../../../learners/tasks/real_episodes.ts";
import { CpuBackend, CpuPopulation } from "../../../learners/cpu_backend.ts";
import { CpuMetaLoop } from "../../../learners/meta_train/cpu_meta_loop.ts";
import type { MetaLoopMethod, MetaLoopReadout } from "../../../learners/meta_train/mod.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import type { EpisodeBatch } from "../../../learners/tasks/task_family.ts";

/**
 * 3-way 1-shot episodes (2 query samples per class; `shape` changes them) of 80 random
 * `inputs`-input rows of 8 classes; with `nanEvery` N, input 3 of every N-th row is NaN.
 */
export function family(
  inputs: number,
  seed: number,
  shape: { ways?: number; shots?: number; queryPerClass?: number; nanEvery?: number } = {},
): RealEpisodes {
  const rng = new Rng(seed);
  const count = 80;
  const nanAt = shape.nanEvery ? shape.nanEvery * inputs : 0;
  const data = {
    count,
    inputs,
    targetWidth: 1,
    classes: 8,
    x: Float32Array.from(
      { length: count * inputs },
      (_, i) => nanAt > 0 && i % nanAt === 3 ? NaN : rng.normal(),
    ),
    y: Float32Array.from({ length: count }, (_, i) => i % 8),
  };
  return new RealEpisodes(data, [0, 1, 2, 3, 4, 5, 6, 7], {
    ways: shape.ways ?? 3,
    shots: shape.shots ?? 1,
    queryPerClass: shape.queryPerClass ?? 2,
  });
}

/** A loop's starting state: theta ~ 0.5 N(0, 1) from `rng`, zero moments, Meta-SGD's alpha 0.3. */
export function startState(rng: Rng, stride: number): MetaLoopState {
  return {
    theta: Float32Array.from({ length: stride }, () => 0.5 * rng.normal()),
    moments: new Float32Array(4 * stride),
    alpha: new Float32Array(stride).fill(0.3),
    t: 0,
  };
}

/**
 * A GpuMetaLoop of `spec` made directly on `gpu`'s populations, whatever loop GpuBackend would pick
 * (ProtoNet's runs on the host on a software adapter); the batch sizes of the compacted populations
 * it makes are pushed to `o.made`.
 */
export function directGpuLoop(
  ctx: GpuContext,
  gpu: GpuBackend,
  spec: MetaLoopSpec,
  o: { made?: number[]; iterationsPerSubmit?: number } = {},
): Promise<GpuMetaLoop> {
  const shape = { size: loopModels(spec), ...loopShape(spec) };
  return createGpuMetaLoop(ctx, gpu.createPopulation(shape), spec, {
    iterationsPerSubmit: o.iterationsPerSubmit,
    supportPopulation: (batchSize) => {
      o.made?.push(batchSize);
      return gpu.createPopulation({ ...shape, batchSize });
    },
  });
}

/**
 * 3-way 1-shot episodes of 80 rows of `inputs` standard normal inputs except one input of every 11th
 * sample, NaN: the inner steps of episodes that hold one give a NaN loss (with tanh, which passes
 * NaN on: those tasks are quarantined), the others do not.
 */
export function blowUpBatch(inputs: number): EpisodeBatch {
  return family(inputs, 1, { nanEvery: 11 }).sampleEpisodes(4, 20);
}

/**
 * A CPU meta loop of `method` on 6-9-3 (5 tasks, inner lr 0.3, meta lr 0.5 for Reptile else 0.02,
 * `o.innerSteps` steps, `o.activation`) from startState(Rng(o.seed)), run once per entry of
 * `o.calls` for that many iterations on `o.batch` (default family(6, 1)'s 20 episodes); the reads
 * and whether each call compacted its inner steps.
 */
export async function cpuLoopRuns(
  method: MetaLoopMethod,
  batchSize: number,
  loopOptions: ConstructorParameters<typeof CpuMetaLoop>[2],
  o: {
    innerSteps: number;
    calls: number[];
    seed: number;
    batch?: EpisodeBatch;
    activation?: "tanh";
  },
): Promise<{ reads: MetaLoopReadout[]; compacted: boolean[] }> {
  const batch = o.batch ?? family(6, 1).sampleEpisodes(4, 20);
  const data = new CpuBackend().uploadDataset(batch.dataset);
  const widths = [6, 9, 3];
  const spec: MetaLoopSpec = {
    method,
    widths,
    ...(o.activation ? { activation: o.activation } : {}),
    batchSize,
    metaBatch: 5,
    innerSteps: o.innerSteps,
    innerLr: 0.3,
    metaLr: method === "reptile" ? 0.5 : 0.02,
  };
  const pop = new CpuPopulation({ size: loopModels(spec), ...loopShape(spec) });
  const loop = new CpuMetaLoop(spec, pop, loopOptions);
  const rng = new Rng(o.seed);
  loop.write(startState(rng, mlpLayout({ size: 1, widths, batchSize }).stride));
  const reads: MetaLoopReadout[] = [];
  const compacted: boolean[] = [];
  for (const n of o.calls) {
    loop.run(batch, data, Uint32Array.from({ length: 5 * n }, () => rng.int(20)));
    compacted.push(loop.compacted);
    reads.push(await loop.read());
  }
  loop.destroy();
  return { reads, compacted };
}

/**
 * `batch` with every query sample of the episodes `bad` picks replaced by a copy of it (same label)
 * whose input 3 is NaN, appended to the data set; support samples and other episodes keep their
 * rows. A task of such an episode adapts normally on its support set and then gets a NaN query loss
 * and gradient (with tanh; a WGSL relu's max(NaN, 0) may drop the NaN).
 */
export function queryNanBatch(batch: EpisodeBatch, bad: (e: number) => boolean): EpisodeBatch {
  const d = batch.dataset;
  const [D, W, Q] = [d.inputs, d.targetWidth, batch.querySize];
  const query = batch.query.slice();
  const from: number[] = [];
  for (let e = 0; e < batch.episodes; e++) {
    if (!bad(e)) continue;
    for (let k = e * Q; k < (e + 1) * Q; k++) {
      from.push(query[k]!);
      query[k] = d.count + from.length - 1;
    }
  }
  const count = d.count + from.length;
  const x = new Float32Array(count * D);
  const y = new Float32Array(count * W);
  x.set(d.x);
  y.set(d.y);
  from.forEach((row, i) => {
    const r = d.count + i;
    x.set(d.x.subarray(row * D, (row + 1) * D), r * D);
    x[r * D + 3] = NaN;
    y.set(d.y.subarray(row * W, (row + 1) * W), r * W);
  });
  return { ...batch, dataset: { ...d, count, x, y }, query };
}
