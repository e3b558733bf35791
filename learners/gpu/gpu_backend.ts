/**
 * `GpuBackend`: populations (learners/gpu/gpu_population.ts) and data sets (learners/gpu/gpu_dataset.ts)
 * resident on a WebGPU device; compiles the kernels once per context.
 * @module
 */
import { GpuContext, type GpuContextOptions } from "../../core/gpu_context.ts";
import type { Backend, UploadOptions } from "../backend.ts";
import type { Dataset } from "../dataset.ts";
import { EVALUATE } from "../mlp/evaluate.ts";
import { GpuDataset } from "./gpu_dataset.ts";
import { GpuPopulation } from "./gpu_population.ts";
import { HARDWARE_GROUPING, type Kernels } from "./gpu_kernels.ts";
import { initParamsPipeline } from "../mlp/init_params.ts";
import { LOOP_BUDGET, SOFTWARE_GROUPINGS } from "../mlp/loop_budget.ts";
import { mlpLayout, type PopulationSpec } from "../mlp/mlp_layout.ts";
import type { MlpGrouping } from "../mlp/mlp_uniform.ts";
import { smallTilePlan } from "../mlp/mlp_tiles.ts";
import { sampleBatchesPipeline } from "../mlp/sample_batches.ts";
import { TRAIN_STEP } from "../mlp/train_step.ts";
import { createGpuMetaLoop } from "../meta_train/gpu_meta_loop.ts";
import { CpuMetaLoop } from "../meta_train/cpu_meta_loop.ts";
import { hvpPlan } from "../meta_train/meta_hvp.ts";
import { CpuPopulation } from "../cpu_backend.ts";
import {
  checkMetaLoopSpec,
  loopModels,
  loopShape,
  type MetaLoop,
  type MetaLoopSpec,
} from "../meta_train/meta_loop.ts";
import type { EvolutionCounters, EvolutionPlan } from "../evolution/evolution_plan.ts";
import { evolveOnGpu } from "./gpu_evolution.ts";
import {
  runStrategiesGpu,
  type StrategyRunResult,
  type StrategyRunSpec,
} from "../strategies/bbob_run.ts";

import type { TrainKernel } from "../mlp/mlp_fused.ts";
import { evaluatePlan } from "../mlp/scratch_wgsl.ts";
import { createGpuLowrankLoop, gpuLowrankApplies } from "../meta_train/gpu_lowrank_loop.ts";

export { GpuDataset } from "./gpu_dataset.ts";
export { GpuPopulation } from "./gpu_population.ts";
export { HARDWARE_GROUPING } from "./gpu_kernels.ts";

/** Options of `GpuBackend.create`. */
export interface GpuBackendOptions extends GpuContextOptions {
  /**
   * Workgroup grouping of the MLP kernels for every population. Default: on hardware one model
   * per workgroup of 32 invocations (HARDWARE_GROUPING); on a software adapter (which runs a
   * workgroup's invocations in sequence as 8-lane SIMD groups) one model per SIMD lane when the
   * train step fits the loop budget, more invocations per model when it does not
   * (learners/mlp/loop_budget.ts). Measured on
   * lavapipe with bench/bench.ts: one model per lane is about 2x one model per workgroup.
   */
  grouping?: MlpGrouping;
  /**
   * Train-step kernel on a software adapter: "fused" (default) runs the fused steps where the
   * shape allows: one hidden layer with activations and deltas in registers
   * (learners/mlp/mlp_fused.ts), two hidden layers at small batches such as meta-training's inner
   * steps (mlp_fused2.ts); "fused1" only the one-hidden-layer step (the default before
   * mlp_fused2.ts), "tiles" always the tiled kernel (the bench compares them).
   */
  trainKernel?: TrainKernel;
  /**
   * Most accumulators per register tile of the tiled kernels on a software adapter (default 256,
   * learners/mlp/mlp_tiles.ts): smaller tiles compile faster and load more values per step.
   */
  tileBudget?: number;
  /**
   * Square register tiles of this side (a multiple of 4 in [4, 32]) for every product of every
   * population, with the tiled train step, instead of the planned tiles (on hardware 8 x 8 from 16
   * invocations per model, up to 256 accumulators below that): a sweep of bench/groupings.ts
   * ("MxRtS"), to tell a grouping's speed from its tiles' on a GPU.
   */
  tileSide?: number;
  /**
   * Where the tiled train step keeps each model's activations and deltas: "storage" (default) the
   * scratch buffer, "workgroup" the workgroup's memory (learners/mlp/scratch_wgsl.ts; a population
   * whose grouping needs more than the device grants is refused with a RangeError). It implies
   * the tiled train step on a software adapter. For bench/groupings.ts ("MxRw"): on a GPU the
   * buffer sends every activation through the cache hierarchy between a step's barriers.
   */
  scratch?: "storage" | "workgroup";
  /**
   * Meta loop of FOMAML and Reptile with a hidden layer when the spec does not choose:
   * "per-model" (default) always the loop of gpu_meta_loop.ts; "auto" the factored loop
   * (learners/meta_train/lowrank_loop.ts) where it applies, the inputs are a multiple of 4 (its
   * vec4 first-layer products) and the inner batch exceeds 8 (on lavapipe it measured slower at
   * 5-way 1-shot with batch 5 and on the 1-input sinusoid); "factored" wherever it applies (the
   * bench compares the loops). On a software adapter "auto" picks it only where its kernels stay
   * within the loop budget (learners/meta_train/lowrank_budget.ts): not at glyph 5-way 5-shot or
   * 20-way 1-shot, whose earlier 1.7-3x gains were measured on a kernel that lavapipe had cut
   * short; asked for, its run refuses a shape over the budget there. Where "auto" picks it, no
   * measurement yet shows it faster: the one valid lavapipe figure with a batch over 8 (the
   * bench's 5-way 1-shot, batch 25) has the per-model loop ahead, and none was taken on a hardware
   * adapter; so it is opt-in.
   */
  metaLoop?: "auto" | "factored" | "per-model";
  /**
   * Second-order MAML on a software adapter where its Hessian-vector kernel is past the loop
   * budget in one dispatch but one support sample per dispatch fits (hvpPlan in
   * learners/meta_train/meta_hvp.ts; e.g. the glyphs' 196-64-64-5 and the sinusoid's 1-40-40-1):
   * "host" (default) runs the CPU twin's loop on the host copy of the samples, "device" the GPU
   * loop with the batch split over dispatches. Measured on lavapipe (2 cores, 2026-12-03) the split
   * kernel costs 2.5-3x the twin's Hessian-vector step at 196-64-64-5 with 16 models and 5 samples,
   * the default glyph 5-way 1-shot MAML run took 350-410 s against 248-264 s, the bench's sinusoid 4.3
   * against 17.2 meta-iterations/s, and only the bench's glyph workload (batch 25, 5 inner steps,
   * run by the fused train kernels) was faster on the device, 1.32 against 0.99. Past one sample
   * MAML always runs the twin there; on hardware always the device.
   */
  mamlOnSoftware?: "host" | "device";
  /** Cap on the bytes one binding may hold (below the adapter's limit), to split large populations into more dispatches; for tests. */
  maxBindingBytes?: number;
}

/** The WebGPU backend. */
export class GpuBackend implements Backend {
  readonly kind = "gpu" as const;
  /** The WebGPU context. */
  readonly ctx: GpuContext;
  #kernels: Kernels;
  #options: GpuBackendOptions;

  private constructor(ctx: GpuContext, kernels: Kernels, options: GpuBackendOptions) {
    this.ctx = ctx;
    this.#kernels = kernels;
    this.#options = options;
  }

  /**
   * Creates the context (or uses `ctx`), compiles the init and sampling kernels and checks the
   * WGSL of the MLP kernels (whose pipelines each population shape builds), reporting WGSL errors.
   */
  static async create(ctx?: GpuContext, options: GpuBackendOptions = {}): Promise<GpuBackend> {
    const c = ctx ?? await GpuContext.create(options);
    const first = options.grouping ?? (c.software ? SOFTWARE_GROUPINGS[0]! : HARDWARE_GROUPING);
    const [, , init, sample] = await Promise.all([
      // A two-layer plan of small tiles, checked by the WGSL front end only: populations build the
      // pipelines of their own shapes, and compiling this one would add about a second (lavapipe)
      // to every process's start.
      TRAIN_STEP.check(c, first, smallTilePlan(2)),
      EVALUATE.check(c, first, smallTilePlan(2)),
      initParamsPipeline(c),
      sampleBatchesPipeline(c),
    ]);
    const kernels: Kernels = {
      init,
      sample,
      // The WGSL is checked above; each pipeline is built on its first use (a population that
      // only trains never compiles its evaluate kernel).
      mlp: (g, plan, p) => ({
        get train() {
          return TRAIN_STEP.pipelineSync(c, g, plan, p);
        },
        get evaluate() {
          return EVALUATE.pipelineSync(c, g, evaluatePlan(plan), p);
        },
      }),
    };
    return new GpuBackend(c, kernels, options);
  }

  /** True on a software adapter (see Backend.runsOnHost). */
  get runsOnHost(): boolean {
    return this.ctx.software;
  }

  describe(): string {
    return this.ctx.describe();
  }

  uploadDataset(data: Dataset, options?: UploadOptions): GpuDataset {
    return new GpuDataset(this.ctx, data, options);
  }

  createPopulation(spec: PopulationSpec): GpuPopulation {
    return new GpuPopulation(
      this.ctx,
      this.#kernels,
      spec,
      this.#options,
    );
  }

  createMetaLoop(spec: MetaLoopSpec): Promise<MetaLoop> {
    checkMetaLoopSpec(spec);
    // FOMAML and Reptile with a hidden layer: the factored loop when chosen (lowrank_loop.ts; opt-in);
    // "auto" on a software adapter only within its loop budget (asked for, run() checks it).
    const choice = this.#options.metaLoop ?? "per-model";
    const factored = spec.lowrank ??
      (choice === "factored" ||
        (choice === "auto" && spec.widths[0]! % 4 === 0 && spec.batchSize > 8 &&
          gpuLowrankApplies(spec, this.ctx.software)));
    if (factored && gpuLowrankApplies(spec)) {
      return createGpuLowrankLoop(this.ctx, spec);
    }
    const shape = { size: loopModels(spec), ...loopShape(spec) };
    // Lavapipe stops all loops of an invocation once they have run 65,535 iterations together.
    // protonet_grad runs one episode per invocation (learners/meta_train/gpu_protonet.ts), and
    // meta_hvp at least one sample's R-operator pass (it can split the batch over dispatches,
    // learners/meta_train/meta_hvp.ts), past the cap for networks like the full-scale glyphs'
    // 196-128-128-5: on a software adapter their loops run the CPU twin on the host copy of the
    // samples, and so does MAML where meta_hvp needs a split unless mamlOnSoftware is "device"
    // (the twin measured faster there).
    const hvp = spec.method === "maml" ? hvpPlan(mlpLayout(shape), LOOP_BUDGET) : null;
    const split = (this.#options.mamlOnSoftware ?? "host") === "device";
    const hostTwin = spec.method === "protonet" ||
      (spec.method === "maml" && (hvp === null || (!hvp.fused && !split)));
    if (this.ctx.software && hostTwin) {
      return Promise.resolve(new CpuMetaLoop(spec, new CpuPopulation(shape), { hostData: true }));
    }
    return createGpuMetaLoop(this.ctx, this.createPopulation(shape), spec, {
      supportPopulation: (batchSize) => this.createPopulation({ ...shape, batchSize }),
    });
  }

  destroy(): void {
    this.ctx.destroy();
  }

  // Base evolution: whole generations per submit; a neural run binds the population's buffers.
  evolve(plan: EvolutionPlan): Promise<EvolutionCounters> {
    if (plan.fitness.kind === "objective") return evolveOnGpu(this.ctx, plan);
    const pop = plan.fitness.population;
    if (!(pop instanceof GpuPopulation)) {
      throw new TypeError("Cannot evolve a population created by another backend");
    }
    return evolveOnGpu(this.ctx, plan, pop);
  }

  /** Strategies on BBOB instances on the device (ask, evaluation, tell; 16 generations a submit). */
  runStrategies(spec: StrategyRunSpec): Promise<StrategyRunResult> {
    return runStrategiesGpu(this.ctx, spec);
  }
}
