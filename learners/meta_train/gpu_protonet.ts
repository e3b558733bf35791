/**
 * ProtoNet's step of the GPU meta loop (learners/meta_train/gpu_meta_loop.ts): the buffers of
 * `shaders/protonet_grad.wgsl` (gradient rows, per-episode statistics, scratch sized for the
 * episode shape) and its run on the resident episode tables; the FOMAML update then reads the
 * gradient rows. The kernel runs one invocation per episode, so on a software adapter it refuses
 * episode shapes whose loops together pass the driver's limit (see protonetLoopIterations). CPU twin: CpuMetaLoop's ProtoNet step (protonetGradCpu).
 * @module
 */
import { createStorageBuffer } from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import type { BackendDataset } from "../backend.ts";
import { GpuDataset } from "../gpu/gpu_dataset.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { episodeClasses } from "../tasks/episode_classes.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import type { EpisodeBuffers } from "./meta_gather.ts";
import type { MetaKernel, MetaRun } from "./meta_kernel.ts";
import { PROTONET_STATS } from "./protonet_cpu.ts";
import { EUCLIDEAN, type ProtonetDistance } from "./protonet_distance.ts";
import {
  PROTONET_GRAD,
  protonetGradRun,
  protonetLoopIterations,
  protonetScratchFloats,
} from "./protonet_grad.ts";
import { LOOP_BUDGET } from "../mlp/loop_budget.ts";

/** The ProtoNet pass of a GPU meta loop of `models` episodes. */
export class GpuProtonet {
  /** (models, stride) gradient rows. */
  readonly grads: GPUBuffer;
  /** (models, PROTONET_STATS) statistics of the last pass. */
  readonly stats: GPUBuffer;
  #scratch: GPUBuffer | null = null;
  #ctx: GpuContext;
  #L: MlpLayout;
  #models: number;
  #dist: ProtonetDistance;

  /** Allocates the gradient and statistics buffers; `dist` scores queries against prototypes. */
  constructor(ctx: GpuContext, L: MlpLayout, models: number, dist: ProtonetDistance = EUCLIDEAN) {
    this.#ctx = ctx;
    this.#L = L;
    this.#models = models;
    this.#dist = dist;
    this.grads = createStorageBuffer(ctx, models * L.stride * 4, "protonet-grads");
    this.stats = createStorageBuffer(ctx, models * PROTONET_STATS * 4, "protonet-stats");
  }

  /** The kernel run of models idsOffset.. of `ids` on `episodes` (scratch grown as needed). */
  run(
    e: { batch: EpisodeBatch; resident: EpisodeBuffers; ids: GPUBuffer; idsOffset: number },
    data: BackendDataset,
    b: { theta: GPUBuffer; metrics: GPUBuffer },
  ): [MetaKernel, MetaRun] {
    if (!(data instanceof GpuDataset) || data.inputPrecision !== "f32") {
      throw new TypeError(
        "Cannot run protonet on a data set with f16 inputs or of another backend",
      );
    }
    const shape = {
      models: this.#models,
      supportSize: e.batch.supportSize,
      querySize: e.batch.querySize,
      ways: e.batch.ways,
      classWidth: episodeClasses(e.batch) ? e.batch.ways : 0,
      targetWidth: data.targetWidth,
      idsOffset: e.idsOffset,
    };
    const loops = protonetLoopIterations(this.#L, shape);
    if (this.#ctx.software && loops > LOOP_BUDGET) {
      throw new RangeError(
        `Cannot run protonet on a software adapter as one episode needs up to ${loops} loop iterations per invocation and the driver stops at 65,535 (budget ${LOOP_BUDGET}): use the CPU backend, or fewer samples per episode or narrower layers`,
      );
    }
    const bytes = this.#models * protonetScratchFloats(this.#L, shape) * 4;
    if (!this.#scratch || this.#scratch.size < bytes) {
      this.#scratch?.destroy();
      this.#scratch = createStorageBuffer(this.#ctx, bytes, "protonet-scratch");
    }
    const r = e.resident;
    return [
      PROTONET_GRAD,
      protonetGradRun(
        this.#L,
        {
          x: data.x,
          y: data.y,
          support: r.support,
          query: r.query,
          classes: r.classes,
          ids: e.ids,
          theta: b.theta,
          grads: this.grads,
          metrics: b.metrics,
          stats: this.stats,
          scratch: this.#scratch,
        },
        shape,
        this.#dist,
      ),
    ];
  }

  /** Frees the buffers. */
  destroy(): void {
    for (const b of [this.grads, this.stats, this.#scratch]) b?.destroy();
  }
}
