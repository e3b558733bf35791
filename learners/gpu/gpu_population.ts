/**
 * `GpuPopulation`: P MLPs whose every buffer lives on a WebGPU device. Training encodes K fused
 * train steps into one submit with no readback; parameters and metrics are read only on request
 * (learners/gpu/gpu_model_state.ts).
 * @module
 */
import { createStorageBuffer, readF32 } from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { bindBuffers } from "../../core/pipelines.ts";
import type {
  BackendDataset,
  GradientResult,
  OptimizerState,
  Population,
  PopulationState,
  SampleBatchesOptions,
  TrainMetrics,
} from "../backend.ts";
import { GpuDataset } from "./gpu_dataset.ts";
import {
  copyModelRows,
  readModelMetrics,
  readModelParams,
  readModelState,
  readOptimizerState,
  snapshotModelMetrics,
  writeModelState,
} from "./gpu_model_state.ts";
import { evalChunksPerDispatch } from "../mlp/loop_budget.ts";
import { packInitParams } from "../mlp/init_params.ts";
import { KNOB_STRIDE, type Knobs, LEARNED_STRIDE, learnedTable } from "../optimizers/knobs.ts";
import type { EvalResult } from "../mlp/mlp_cpu.ts";
import type { MlpLayout, PopulationSpec } from "../mlp/mlp_layout.ts";
import {
  type MlpGrouping,
  packMlpParams,
  paddedModels,
  scratchStride,
} from "../mlp/mlp_uniform.ts";
import { sampleDispatches } from "../mlp/sample_batches.ts";
import { encodeTrainRun, encodeTrainSteps, type TrainRun } from "../mlp/train_step.ts";
import { evaluateOnGpu } from "../mlp/evaluate.ts";
import type { GpuPopulationOptions, Kernels, Pipelines } from "./gpu_kernels.ts";
import { populationPipelines } from "./gpu_kernels.ts";
import { type Chunk, modelRange, planChunks, submitDispatches } from "./gpu_chunks.ts";
import { PopulationChecks } from "../_population_base.ts";
import { submit } from "../../core/submit_batch.ts";
import { METRIC_STRIDE } from "../metrics_row.ts";

/** A population of P MLPs whose every buffer lives on the GPU. */
export class GpuPopulation implements Population {
  readonly layout: MlpLayout;
  /** The WebGPU context. */
  readonly ctx: GpuContext;
  #checks: PopulationChecks;
  #pipes: Pipelines;
  /** Models the kernels run: the population padded to a multiple of the models per workgroup. */
  #padded: number;
  /** (P, stride) parameters. */
  readonly params: GPUBuffer;
  /** (P, stride) the other parameter buffer of the train step (see train and gradientBuffer). */
  #paramsNext: GPUBuffer;
  /** (P, stride) gradients after (submit)Gradients until the next train (2nd params buffer). */
  get gradientBuffer(): GPUBuffer {
    return this.#paramsNext;
  }
  /** (P, 2, stride) optimizer moments. */
  readonly opt: GPUBuffer;
  /** (P, scratchStride) activations and deltas. */
  readonly scratch: GPUBuffer;
  /** (P) steps. */
  readonly steps: GPUBuffer;
  /** (P, METRIC_STRIDE) metrics rows (learners/metrics_row.ts). */
  readonly metrics: GPUBuffer;
  /** (P, KNOB_STRIDE) knobs. */
  readonly knobs: GPUBuffer;
  /** (P, LEARNED_STRIDE) learned-optimizer meta-network rows. */
  readonly learned: GPUBuffer;
  #batchIdx: GPUBuffer;
  #numBatches = 1;
  #labelMap: GPUBuffer;
  /** Ranges of models dispatched separately so that no binding exceeds the adapter's limit. */
  #chunks: Chunk[];
  /** The last train run and what its bind groups bound (see trainRun). */
  #run?: { key: unknown[]; run: TrainRun };

  /** The workgroup grouping this population's kernels run with. */
  get grouping(): MlpGrouping {
    return this.#pipes.grouping;
  }

  /** Allocates every buffer (parameters zero until init). */
  constructor(
    ctx: GpuContext,
    kernels: Kernels,
    spec: PopulationSpec,
    o: GpuPopulationOptions = {},
  ) {
    this.#checks = new PopulationChecks(spec);
    const L = this.#checks.layout;
    this.layout = L;
    this.ctx = ctx;
    const pipes = populationPipelines(ctx, kernels, L, o);
    const g = pipes.grouping;
    this.#pipes = pipes;
    // Padded models train on zero knobs (learning rate 0) and are never read back.
    this.#padded = paddedModels(L.size, pipes.grouping);
    const Pp = this.#padded;
    this.#chunks = planChunks(ctx, L, Pp, g, o.maxBindingBytes);
    this.params = createStorageBuffer(ctx, Pp * L.stride * 4, "params");
    this.#paramsNext = createStorageBuffer(ctx, Pp * L.stride * 4, "params-next");
    this.opt = createStorageBuffer(ctx, Pp * 2 * L.stride * 4, "opt");
    this.scratch = createStorageBuffer(ctx, Pp * scratchStride(L) * 4, "scratch");
    this.steps = createStorageBuffer(ctx, Pp * 4, "steps");
    this.metrics = createStorageBuffer(ctx, Pp * METRIC_STRIDE * 4, "metrics");
    this.knobs = createStorageBuffer(ctx, Pp * KNOB_STRIDE * 4, "knobs");
    this.learned = createStorageBuffer(ctx, Pp * LEARNED_STRIDE * 4, "learned");
    this.#batchIdx = createStorageBuffer(ctx, Pp * L.batchSize * 4, "batch-idx");
    this.#labelMap = createStorageBuffer(ctx, 16, "label-map");
  }

  /** The batch-index table and label maps, for kernels that fill them on the device (meta loop). */
  get episodeTables(): { batches: GPUBuffer; labelMap: GPUBuffer } {
    return { batches: this.#batchIdx, labelMap: this.#labelMap };
  }

  /** Number of dispatches one train step takes (1 unless the population exceeds a binding). */
  get dispatchesPerStep(): number {
    return this.#chunks.length;
  }

  init(seed: number, first = 0): void {
    const L = this.layout;
    // Padding models beyond P keep zero parameters.
    const dispatches = this.#chunks.flatMap((c) => {
      const models = Math.min(c.count, Math.max(0, L.size - c.first));
      if (models === 0) return [];
      const { data, grid } = packInitParams(L, seed, first + c.first, models);
      return [{ params: data, buffers: [modelRange(this.params, c, L.stride * 4)], grid }];
    });
    submitDispatches(this.ctx, "init", this.#pipes.init, dispatches, (enc) => {
      enc.clearBuffer(this.opt);
      enc.clearBuffer(this.steps);
      enc.clearBuffer(this.metrics);
    });
  }

  reset(): void {
    const enc = this.ctx.device.createCommandEncoder({ label: "reset" });
    for (const b of [this.opt, this.steps, this.metrics]) enc.clearBuffer(b);
    submit(this.ctx, enc.finish());
  }

  setKnobs(knobs: Knobs | Knobs[] | Float32Array<ArrayBuffer>): void {
    this.ctx.device.queue.writeBuffer(this.knobs, 0, this.#checks.knobTable(knobs));
  }

  setLearnedWeights(weights: Float32Array<ArrayBuffer>): void {
    this.ctx.device.queue.writeBuffer(this.learned, 0, learnedTable(weights, this.layout.size));
  }

  /** Makes the batch buffer hold `perModel` indices for every (padded) model; padding reads row 0. */
  #ensureBatchBuffer(perModel: number): void {
    const n = this.#padded * perModel;
    if (this.#batchIdx.size < n * 4) {
      this.#batchIdx.destroy();
      this.#batchIdx = createStorageBuffer(this.ctx, n * 4, "batch-idx");
    }
  }

  setBatches(indices: Uint32Array<ArrayBuffer>, numBatches: number): void {
    this.#checks.checkBatches(indices, numBatches);
    this.#ensureBatchBuffer(numBatches * this.layout.batchSize);
    this.ctx.device.queue.writeBuffer(this.#batchIdx, 0, indices);
    this.#numBatches = numBatches;
  }

  sampleBatches(o: SampleBatchesOptions): void {
    this.#checks.checkSampleOptions(o);
    const P = this.layout.size;
    const perModel = o.numBatches * this.layout.batchSize;
    this.#ensureBatchBuffer(perModel);
    const sizes = { P, padded: this.#padded, perModel, batchSize: this.layout.batchSize };
    const s = sampleDispatches(this.ctx, this.#chunks, sizes, o);
    const dispatches = s.dispatches(this.#batchIdx);
    submitDispatches(this.ctx, "sample", this.#pipes.sample, dispatches, undefined, s.transient);
    this.#numBatches = o.numBatches;
  }

  setLabelMap(map: Uint32Array<ArrayBuffer> | null, width: number): void {
    this.#checks.checkLabelMap(map, width);
    if (map) {
      // Rows for every padded model, so that each dispatch can bind whole rows of its models.
      const bytes = this.#padded * width * 4;
      if (this.#labelMap.size < bytes) {
        this.#labelMap.destroy();
        this.#labelMap = createStorageBuffer(this.ctx, bytes, "label-map");
      }
      this.ctx.device.queue.writeBuffer(this.#labelMap, 0, map);
    }
  }

  #asGpu(d: BackendDataset): GpuDataset {
    if (!(d instanceof GpuDataset) || d.ctx !== this.ctx) {
      throw new TypeError("Cannot use a data set uploaded to another backend");
    }
    return d;
  }

  /** The kernel parameters (MlpParams) of chunk c on data set d. */
  #mlpParams(
    c: Chunk,
    d: GpuDataset,
    mode: number,
    evalCount: number,
    evalStart = 0,
    evalEnd = evalCount,
  ): Uint32Array<ArrayBuffer> {
    return packMlpParams(this.layout, {
      models: c.count,
      numBatches: this.#numBatches,
      labelMapWidth: this.#checks.labelMapWidth,
      targetWidth: d.targetWidth,
      mode,
      gridX: c.grid[0],
      evalCount,
      evalStart,
      evalEnd,
    });
  }

  /** The train step's bind group, reading the parameters from `from` and writing them to `to`. */
  #trainBindGroup(
    d: GpuDataset,
    c: Chunk,
    uniform: GPUBuffer,
    from: GPUBuffer,
    to: GPUBuffer,
  ): GPUBindGroup {
    const L = this.layout;
    const w = this.#checks.labelMapWidth;
    return bindBuffers(this.ctx, this.#pipes.mlp(d.inputPrecision).train, [
      d.x,
      d.y,
      modelRange(this.#batchIdx, c, this.#numBatches * L.batchSize * 4),
      w > 0 ? modelRange(this.#labelMap, c, w * 4) : this.#labelMap,
      modelRange(this.knobs, c, KNOB_STRIDE * 4),
      modelRange(from, c, L.stride * 4),
      modelRange(this.opt, c, 2 * L.stride * 4),
      modelRange(this.scratch, c, scratchStride(L) * 4),
      modelRange(this.steps, c, 4),
      modelRange(this.metrics, c, 16),
      uniform,
      modelRange(this.learned, c, LEARNED_STRIDE * 4),
      modelRange(to, c, L.stride * 4),
    ], "train-step");
  }

  /** The train step on `data` and the current batches (uniforms written; bind groups cached). */
  trainRun(data: BackendDataset): TrainRun {
    const d = this.#asGpu(data);
    for (const c of this.#chunks) {
      this.ctx.device.queue.writeBuffer(c.train, 0, this.#mlpParams(c, d, 0, 0));
    }
    const key = [d, this.#batchIdx, this.#numBatches, this.#labelMap, this.#checks.labelMapWidth];
    if (this.#run?.key.every((v, i) => v === key[i])) return this.#run.run;
    const [a, b] = [this.params, this.#paramsNext];
    const group = (c: Chunk, from: GPUBuffer, to: GPUBuffer) =>
      this.#trainBindGroup(d, c, c.train, from, to);
    const chunks = this.#chunks.map((c) => ({
      grid: c.grid,
      groups: [group(c, a, b), group(c, b, a)] as const,
    }));
    const pipeline = this.#pipes.mlp(d.inputPrecision).train;
    this.#run = { key, run: { pipeline, buffers: [a, b], chunks } };
    return this.#run.run;
  }

  train(data: BackendDataset, steps: number): void {
    this.#checks.checkSteps(steps);
    this.#checks.checkData(data);
    if (steps === 0) return;
    // Steps alternate the parameter buffers (read one, write the other; see encodeTrainRun).
    const r = this.trainRun(data);
    encodeTrainRun(this.ctx, r.pipeline, r.chunks, steps, r.buffers);
  }

  /** Enqueues the gradient pass of `gradients` (into gradientBuffer, and metrics); no readback. */
  submitGradients(data: BackendDataset): void {
    this.#checks.checkData(data);
    const d = this.#asGpu(data);
    const enc = this.ctx.device.createCommandEncoder({ label: "gradients" });
    const pass = enc.beginComputePass();
    for (const c of this.#chunks) {
      this.ctx.device.queue.writeBuffer(c.grad, 0, this.#mlpParams(c, d, 1, 0));
      // Mode 1 stores the gradients in the other parameter buffer (see gradientBuffer).
      const bg = this.#trainBindGroup(d, c, c.grad, this.params, this.#paramsNext);
      encodeTrainSteps(pass, this.#pipes.mlp(d.inputPrecision).train, [bg, bg], c.grid, 0, 1);
    }
    pass.end();
    submit(this.ctx, enc.finish());
  }

  async gradients(data: BackendDataset): Promise<GradientResult> {
    this.submitGradients(data);
    const L = this.layout;
    // Gradients and metrics are read back together: one wait.
    const [stored, metrics] = await Promise.all([
      readF32(this.ctx, this.#paramsNext, L.size * L.stride),
      this.readMetrics(),
    ]);
    const grads = new Float32Array(L.size * L.stride);
    for (let p = 0; p < L.size; p++) {
      grads.set(stored.subarray(p * L.stride, p * L.stride + L.paramCount), p * L.stride);
    }
    return { grads, ...metrics };
  }

  evaluate(
    data: BackendDataset,
    indices: Uint32Array<ArrayBuffer>,
    options: { outputs?: boolean } = {},
  ): Promise<EvalResult> {
    const count = this.#checks.checkEval(data, indices);
    const d = this.#asGpu(data);
    const L = this.layout;
    const w = this.#checks.labelMapWidth;
    return evaluateOnGpu(
      this.ctx,
      {
        layout: L,
        padded: this.#padded,
        chunks: this.#chunks,
        pipeline: this.#pipes.mlp(d.inputPrecision).evaluate,
        // Chunks of B samples per dispatch, within the software adapter's loop budget.
        perDispatch: this.ctx.software
          ? evalChunksPerDispatch(L, this.#pipes.grouping) * L.batchSize
          : count,
        params: (c, start, end) =>
          this.#mlpParams(c, d, options.outputs ? 1 : 0, count, start, end),
        bindings: (c) => ({
          x: d.x,
          y: d.y,
          labelMap: w > 0 ? modelRange(this.#labelMap, c, w * 4) : this.#labelMap,
          params: modelRange(this.params, c, L.stride * 4),
          scratch: modelRange(this.scratch, c, scratchStride(L) * 4),
        }),
      },
      indices,
      count,
      options.outputs ?? false,
    );
  }

  readParams(): Promise<Float32Array> {
    return readModelParams(this);
  }

  writeParams(params: Float32Array<ArrayBuffer>): void {
    this.#checks.checkParams(params);
    this.ctx.device.queue.writeBuffer(this.params, 0, params);
  }

  readOptimizerState(): Promise<OptimizerState> {
    return readOptimizerState(this);
  }

  readMetrics(): Promise<TrainMetrics> {
    return readModelMetrics(this);
  }

  snapshotMetrics(): () => Promise<TrainMetrics> {
    return snapshotModelMetrics(this);
  }

  readState(): Promise<PopulationState> {
    return readModelState(this);
  }

  writeState(state: PopulationState): void {
    this.#checks.checkState(state);
    writeModelState(this, state);
  }

  copyModels(from: ArrayLike<number>, to: ArrayLike<number>): void {
    this.#checks.checkCopy(from, to);
    copyModelRows(this, from, to);
  }

  flush(): Promise<void> {
    return this.ctx.sync("train");
  }

  destroy(): void {
    const model = [this.params, this.#paramsNext, this.opt, this.scratch, this.steps];
    const rows = [this.metrics, this.knobs, this.learned, this.#batchIdx, this.#labelMap];
    const uniforms = this.#chunks.flatMap((c) => [c.train, c.grad]);
    for (const b of [...model, ...rows, ...uniforms]) b.destroy();
  }
}
