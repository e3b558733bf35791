/**
 * `deno run -A bench/cold_start.ts [WIDTHS]` (default 32-64-5): what a fresh process pays before a
 * new network shape trains and evaluates on the GPU path: the backend's creation, a population of
 * 64 models (batch 32) and its first train step (compiling the train-step kernel), then its first
 * evaluation (compiling the evaluate kernel). Run it in a new process each time: the pipelines are
 * cached for the life of a device (lavapipe keeps none across processes).
 * @module
 */
import { formatFixed } from "../core/format.ts";
import { GpuBackend } from "../learners/gpu/gpu_backend.ts";
import { syntheticData } from "./workloads.ts";

/** Seconds of each cold-start phase for a shape. */
export interface ColdStart {
  backend: number;
  firstTrain: number;
  firstEvaluate: number;
}

/** Measures the cold start of `widths` (see the module doc). */
export async function coldStart(widths: number[]): Promise<ColdStart> {
  const P = 64;
  const rows = 256;
  const t0 = performance.now();
  const gpu = await GpuBackend.create();
  const t1 = performance.now();
  const data = gpu.uploadDataset(syntheticData(widths[0]!, widths.at(-1)!, rows, 1));
  const pop = gpu.createPopulation({ size: P, widths, batchSize: 32 });
  pop.init(1);
  const ranges = new Uint32Array(2 * P).map((_, i) => (i % 2 === 0 ? 0 : rows));
  pop.sampleBatches({ seed: 7, round: 0, numBatches: 2, ranges });
  pop.train(data, 1);
  await pop.flush();
  const t2 = performance.now();
  await pop.evaluate(data, new Uint32Array(P * 32).map((_, i) => i % rows));
  const t3 = performance.now();
  gpu.destroy();
  return {
    backend: (t1 - t0) / 1000,
    firstTrain: (t2 - t1) / 1000,
    firstEvaluate: (t3 - t2) / 1000,
  };
}

if (import.meta.main) {
  const arg = Deno.args[0] ?? "32-64-5";
  const widths = arg.split("-").map(Number);
  if (widths.length < 3 || widths.some((w) => !Number.isInteger(w) || w < 1 || w > 256)) {
    console.error(
      `cold_start: WIDTHS must be 3 to 5 integers in [1, 256] joined by "-": current value is ${arg}`,
    );
    Deno.exit(2);
  }
  const c = await coldStart(widths);
  const s = (x: number) => `${formatFixed(x, 2)} s`;
  console.log(
    `cold start of ${arg}: backend ${s(c.backend)}, first train ${
      s(c.firstTrain)
    }, first evaluate ${s(c.firstEvaluate)}, total ${
      s(c.backend + c.firstTrain + c.firstEvaluate)
    }`,
  );
}
