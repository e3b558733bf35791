/**
 * Benchmark workloads and their timing loops: model-steps/s and GFLOP/s of the fused train step
 * for a backend, measured with the same data, knobs and batches on every backend.
 * @module
 */
import { Rng } from "../core/rng.ts";
import type { Backend, BackendDataset, Population, UploadOptions } from "../learners/backend.ts";
import type { Dataset } from "../learners/dataset.ts";
import { flopsPerModelStep, mlpLayout, type PopulationSpec } from "../learners/mlp/mlp_layout.ts";

/** A benchmark workload: a population shape trained with one SGD step per model-step. */
export interface Workload {
  name: string;
  widths: number[];
  batchSize: number;
}

/** Workload W: MLP 32-64-5, batch 32 per model, one SGD step per model-step. */
export const WORKLOAD_W: Workload = { name: "W", widths: [32, 64, 5], batchSize: 32 };

/** Workload W2: two hidden layers of 128 (32-128-128-5), batch 32. */
export const WORKLOAD_W2: Workload = { name: "W2", widths: [32, 128, 128, 5], batchSize: 32 };

/**
 * Seconds every backend runs its workload untimed before a measurement (the GPU path, the CPU twin,
 * TensorFlow.js, and PyTorch in peers_torch.py). On this 2-core machine the GPU path's first
 * measurement right after the TensorFlow.js peer ran measured 20-28k model-steps/s on W at P=1024,
 * the next ones 35-37k, with the old one-step warm-up; with this one, 33-36k.
 */
export const WARMUP_SECONDS = 0.5;

/** Runs `step` (at least once) until WARMUP_SECONDS have passed. */
export async function warmUp(step: () => void | Promise<void>): Promise<void> {
  const t0 = performance.now();
  do await step(); while (performance.now() - t0 < WARMUP_SECONDS * 1000);
}

/** One measurement. */
export interface BenchRow {
  workload: string;
  backend: string;
  population: number;
  model_steps_per_s: number;
  gflops: number;
  /** Steps timed and seconds taken. */
  steps: number;
  seconds: number;
  /** Peers only: the BLAS (library, version, core type), threads used, and whether the row is valid (not the reference BLAS). */
  blas?: string;
  threads?: number;
  valid?: boolean;
}

/** The row with the median throughput (the lower middle one for an even count); undefined if none. */
export function median(rows: (BenchRow | undefined)[]): BenchRow | undefined {
  const got = rows.filter((r): r is BenchRow => r !== undefined)
    .sort((a, b) => a.model_steps_per_s - b.model_steps_per_s);
  return got[Math.floor((got.length - 1) / 2)];
}

/** A seeded synthetic classification data set: `classes` Gaussian blobs in `inputs` dimensions. */
export function syntheticData(
  inputs: number,
  classes: number,
  rows: number,
  seed: number,
): Dataset {
  const rng = new Rng(seed, 0);
  const x = new Float32Array(rows * inputs);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = rng.int(classes);
    y[i] = c;
    for (let j = 0; j < inputs; j++) {
      x[i * inputs + j] = rng.normal() + (j % classes === c ? 1.5 : 0);
    }
  }
  return { count: rows, inputs, targetWidth: 1, classes, x, y };
}

/**
 * Times the fused train step of `backend` on workload `w` with P models: warms up (pipeline
 * compile, first submit), then doubles the number of steps per timed run until a run takes at
 * least `minSeconds`. Each timed run ends with a flush (one GPU await).
 */
export async function benchTrain(
  backend: Backend,
  w: Workload,
  P: number,
  minSeconds: number,
  upload: UploadOptions = {},
): Promise<BenchRow> {
  const spec: PopulationSpec = { size: P, widths: w.widths, batchSize: w.batchSize };
  const layout = mlpLayout(spec);
  const { pop, data } = sgdSetup(
    backend,
    w,
    P,
    { rows: 4096, seeds: [1, 1, 7], numBatches: 8 },
    upload,
  );
  await warmUp(async () => {
    pop.train(data, 1);
    await pop.flush();
  });
  let steps = 1;
  let seconds = 0;
  for (;;) {
    const t0 = performance.now();
    pop.train(data, steps);
    await pop.flush();
    seconds = (performance.now() - t0) / 1000;
    if (seconds >= minSeconds || steps >= 1 << 16) break;
    steps = Math.max(steps * 2, Math.ceil(steps * minSeconds / Math.max(seconds, 1e-3) * 1.1));
  }
  pop.destroy();
  data.destroy();
  const msps = (steps * P) / seconds;
  return {
    workload: w.name,
    backend: (backend.kind === "gpu" ? "gpu" : "cpu-twin") +
      (upload.inputPrecision === "f16" ? "-f16" : ""),
    population: P,
    model_steps_per_s: msps,
    gflops: (msps * flopsPerModelStep(layout)) / 1e9,
    steps,
    seconds,
  };
}

/**
 * P models of `w` on `backend` ready to train with plain SGD (lr 0.05): a synthetic data set of
 * `rows` rows uploaded, the models initialised and `numBatches` batches of the whole set sampled for
 * each; `seeds` are the data set's, the init's and the batches'.
 */
export function sgdSetup(
  backend: Backend,
  w: Workload,
  P: number,
  o: { rows: number; seeds: [number, number, number]; numBatches: number },
  upload: UploadOptions = {},
): { pop: Population; data: BackendDataset } {
  const [dataSeed, initSeed, batchSeed] = o.seeds;
  const data = backend.uploadDataset(
    syntheticData(w.widths[0]!, w.widths.at(-1)!, o.rows, dataSeed),
    upload,
  );
  const pop = backend.createPopulation({ size: P, widths: w.widths, batchSize: w.batchSize });
  pop.init(initSeed);
  pop.setKnobs({ lr: 0.05, optimizer: "sgd" });
  const ranges = new Uint32Array(2 * P);
  for (let p = 0; p < P; p++) ranges[2 * p + 1] = o.rows;
  pop.sampleBatches({ seed: batchSeed, round: 0, numBatches: o.numBatches, ranges });
  return { pop, data };
}

/** One meta-batch measurement: tasks adapted and evaluated per second. */
export interface MetaBatchRow {
  backend: string;
  tasks: number;
  tasksPerSecond: number;
  secondsPerMetaBatch: number;
}

/**
 * A 5-way 1-shot meta-batch: `tasks` synthetic episodes, one model per episode; each meta-batch
 * re-initializes, runs 5 inner SGD steps on the support sets and evaluates the query sets (one
 * GPU await for the evaluation readback).
 */
export async function benchMetaBatch(
  backend: Backend,
  tasks: number,
  minSeconds: number,
): Promise<MetaBatchRow> {
  const { SyntheticClassification } = await import("../learners/tasks/synthetic_classification.ts");
  const { createEpisodePopulation } = await import("../learners/episode_training.ts");
  const family = new SyntheticClassification({ inputs: 16, ways: 5, shots: 1, queryPerClass: 15 });
  const run = createEpisodePopulation(backend, family.sampleEpisodes(3, tasks), {
    knobs: { lr: 0.1 },
  });
  const once = async (seed: number) => {
    run.population.init(seed);
    run.population.train(run.data, 5);
    await run.population.evaluate(run.data, run.queryIndices);
  };
  await once(0);
  let n = 0;
  const t0 = performance.now();
  let seconds = 0;
  while (seconds < minSeconds) {
    await once(++n);
    seconds = (performance.now() - t0) / 1000;
  }
  run.destroy();
  return {
    backend: backend.kind === "gpu" ? "gpu" : "cpu-twin",
    tasks,
    tasksPerSecond: (n * tasks) / seconds,
    secondsPerMetaBatch: seconds / n,
  };
}

/** Milliseconds of one `train(data, 1)` call followed by a flush, and of a flush alone. */
export interface CallOverhead {
  trainCallMs: number;
  flushMs: number;
}

/**
 * The fixed cost of a train call: P models of workload `w`, `calls` times `train(data, 1)` then
 * `flush()`, after one warm-up call; and `calls` flushes with nothing queued. What a loop that
 * trains one step at a time (memetic evolution, inner loops) pays per step beyond the kernel.
 */
export async function benchCallOverhead(
  backend: Backend,
  w: Workload,
  P: number,
  calls: number,
): Promise<CallOverhead> {
  const spec: PopulationSpec = { size: P, widths: w.widths, batchSize: w.batchSize };
  const rows = 1024;
  const data = backend.uploadDataset(syntheticData(w.widths[0]!, w.widths.at(-1)!, rows, 1));
  const pop = backend.createPopulation(spec);
  pop.init(1);
  pop.setKnobs({ lr: 0.05, optimizer: "sgd" });
  pop.sampleBatches({
    seed: 7,
    round: 0,
    numBatches: 1,
    ranges: new Uint32Array(2 * P).map((_, i) => (i % 2 === 0 ? 0 : rows)),
  });
  pop.train(data, 1);
  await pop.flush();
  let t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    pop.train(data, 1);
    await pop.flush();
  }
  const trainCallMs = (performance.now() - t0) / calls;
  t0 = performance.now();
  for (let i = 0; i < calls; i++) await pop.flush();
  const flushMs = (performance.now() - t0) / calls;
  pop.destroy();
  data.destroy();
  return { trainCallMs, flushMs };
}
