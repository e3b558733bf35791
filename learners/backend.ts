/**
 * The `Backend` interface that experiments are written against, with two implementations:
 * `GpuBackend` (WebGPU kernels) and `CpuBackend` (their plain-loop TypeScript twins).
 * @module
 */
import type { Dataset } from "./dataset.ts";
import type { Knobs } from "./optimizers/knobs.ts";
import type { EvalResult } from "./mlp/mlp_cpu.ts";
import type { MlpLayout, PopulationSpec } from "./mlp/mlp_layout.ts";
import type { MetaLoop, MetaLoopSpec } from "./meta_train/meta_loop.ts";
import type { EvolutionCounters, EvolutionPlan } from "./evolution/evolution_plan.ts";
import type { StrategyRunResult, StrategyRunSpec } from "./strategies/bbob_run.ts";

/** A data set resident on a backend (uploaded once). */
export interface BackendDataset {
  /** Number of samples. */
  readonly count: number;
  /** Input width. */
  readonly inputs: number;
  /** Targets per sample (1 for class labels). */
  readonly targetWidth: number;
  /** Number of classes; 0 for regression. */
  readonly classes: number;
  /** How the inputs are stored: f32, or f16 (half the memory; values rounded to f16). */
  readonly inputPrecision: InputPrecision;
  /** Frees device memory. */
  destroy(): void;
}

/** Storage precision of a data set's inputs on the backend. */
export type InputPrecision = "f32" | "f16";

/** Options of `Backend.uploadDataset`. */
export interface UploadOptions {
  /**
   * "f16" stores the inputs as 16-bit floats (half the memory and read bandwidth; each value is
   * rounded to the nearest f16, on the CPU backend too, so both backends train on the same
   * numbers). Needs the adapter feature shader-f16 on the GPU. Default "f32".
   */
  inputPrecision?: InputPrecision;
}

/** Options for drawing minibatch indices on the backend (see sampleBatchesCpu for the formula). */
export interface SampleBatchesOptions {
  /** RNG seed. */
  seed: number;
  /** Round number, the RNG's second counter word: a new round draws new batches. */
  round: number;
  /** Batch slots per model. */
  numBatches: number;
  /** (P, 2): first data-set row and row count of each model's range; count >= 1. */
  ranges: Uint32Array;
  /**
   * (P) the RNG stream of each model's draws (default: the model index): models with the same key
   * and range draw the same rows (common random numbers across segments).
   */
  keys?: Uint32Array;
  /**
   * The draw (counter slot) of the last batch slot, at least numBatches - 1 (the default) and at
   * most MAX_LAST_SLOT: a run whose last step must not depend on how many slots come before it
   * (evolve's probe step) fixes it.
   */
  lastSlot?: number;
}

/** Largest `SampleBatchesOptions.lastSlot`. */
export const MAX_LAST_SLOT = 4096;

/**
 * Gradients and loss of each model on its current batch, without updating anything, with the
 * population's metrics (read in the same call: no second `readMetrics` needed).
 */
export interface GradientResult extends TrainMetrics {
  /** (P, stride) gradients of the mean batch loss. */
  grads: Float32Array;
}

/** Everything a population holds (for checkpoints): restoring it continues training exactly. */
export interface PopulationState {
  /** (P, stride) parameters. */
  params: Float32Array<ArrayBuffer>;
  /** (P, 2, stride) optimizer moments. */
  opt: Float32Array<ArrayBuffer>;
  /** (P) optimizer steps taken. */
  steps: Uint32Array<ArrayBuffer>;
  /** (P, METRIC_STRIDE) metrics rows: loss, gradient norm, quarantine flag, previous loss (METRIC). */
  metrics: Float32Array<ArrayBuffer>;
  /** (P, KNOB_STRIDE) knobs. */
  knobs: Float32Array<ArrayBuffer>;
}

/** Per-model metrics of the last train step. */
export interface TrainMetrics {
  /** (P) mean batch loss. */
  loss: Float32Array;
  /** (P) global gradient L2 norm before clipping. */
  gradNorm: Float32Array;
  /** (P) 1 for a model quarantined after a NaN/infinite loss or gradient (never updated again). */
  diverged: Uint8Array;
}

/** Optimizer state read back from a backend. */
export interface OptimizerState {
  /** (P, 2, stride) first then second moments. */
  opt: Float32Array;
  /** (P) steps taken. */
  steps: Uint32Array;
}

/** A population of P MLPs on a backend: parameters, knobs, optimizer state, batch indices. */
export interface Population {
  /** The validated shape. */
  readonly layout: MlpLayout;
  /**
   * Seeded He/Xavier init, model p drawing the init of model `first` + p (default 0: its own);
   * zeroes optimizer state and step counters.
   */
  init(seed: number, first?: number): void;
  /**
   * Zeroes optimizer state, step counters and metrics (quarantine flags), as `init` does, keeping
   * the parameters and knobs: with `writeParams`, a fresh start from given parameters.
   */
  reset(): void;
  /** Sets every model's knobs (one shared, one per model, or a packed (P, KNOB_STRIDE) table). */
  setKnobs(knobs: Knobs | Knobs[] | Float32Array<ArrayBuffer>): void;
  /**
   * Sets the learned optimizer's meta-network rows (optimizer kind 3): one row of LEARNED_STRIDE
   * f32 shared by every model, or a (P, LEARNED_STRIDE) table, one row per model.
   */
  setLearnedWeights(weights: Float32Array<ArrayBuffer>): void;
  /** Sets batch indices (P, numBatches, batchSize); step s of model p uses slot s % numBatches. */
  setBatches(indices: Uint32Array<ArrayBuffer>, numBatches: number): void;
  /** Draws batch indices on the backend from per-model row ranges. */
  sampleBatches(options: SampleBatchesOptions): void;
  /** Sets a per-model label map (P, width): stored class -> model-local label; null for identity. */
  setLabelMap(map: Uint32Array<ArrayBuffer> | null, width: number): void;
  /** Runs `steps` fused train steps for every model; no readback. */
  train(data: BackendDataset, steps: number): void;
  /** Gradients of every model on its current batch, without an update. */
  gradients(data: BackendDataset): Promise<GradientResult>;
  /** Loss and accuracy of each model on its eval rows `indices` (P, count). */
  evaluate(
    data: BackendDataset,
    indices: Uint32Array<ArrayBuffer>,
    options?: { outputs?: boolean },
  ): Promise<EvalResult>;
  /** Reads parameters (P, stride). */
  readParams(): Promise<Float32Array>;
  /** Overwrites parameters (P, stride). */
  writeParams(params: Float32Array<ArrayBuffer>): void;
  /** Reads optimizer moments and step counters. */
  readOptimizerState(): Promise<OptimizerState>;
  /** Last train step's mean loss, gradient norm and quarantine flag per model. */
  readMetrics(): Promise<TrainMetrics>;
  /**
   * The metrics as the work queued so far leaves them, read later: the returned function reads
   * them. Snapshots taken between `train` calls and read together (`Promise.all`) cost one GPU
   * wait in all, where `readMetrics` after each call costs one each.
   */
  snapshotMetrics(): () => Promise<TrainMetrics>;
  /** Reads the whole state (parameters, optimizer moments, steps, metrics, knobs). */
  readState(): Promise<PopulationState>;
  /** Restores a state read with `readState` from a population of the same shape. */
  writeState(state: PopulationState): void;
  /**
   * Copies whole models on the device (parameters, optimizer moments, steps, metrics and knobs):
   * model `to[i]` becomes a bit-exact copy of model `from[i]`, as PBT's exploit step does. All
   * copies read the models as they were before the call. No readback.
   */
  copyModels(from: ArrayLike<number>, to: ArrayLike<number>): void;
  /** Waits for queued work (reports device errors). */
  flush(): Promise<void>;
  /** Frees device memory. */
  destroy(): void;
}

/** A compute backend: uploads data sets and creates populations. */
export interface Backend {
  /** "gpu" or "cpu". */
  readonly kind: "gpu" | "cpu";
  /**
   * Whether its kernels run on this machine's CPU cores: the CPU backend, and a GPU backend on a
   * software adapter (lavapipe). Independent jobs then go faster in parallel host threads (the
   * `meta` experiment's method workers); on a hardware GPU the device is the parallel part.
   */
  readonly runsOnHost: boolean;
  /** One line: what runs the kernels. */
  describe(): string;
  /** Uploads a data set once. */
  uploadDataset(data: Dataset, options?: UploadOptions): BackendDataset;
  /** Creates a population (parameters zero until init). */
  createPopulation(spec: PopulationSpec): Population;
  /** Creates a meta-training loop resident on the backend (learners/meta_train/meta_loop.ts). */
  createMetaLoop(spec: MetaLoopSpec): Promise<MetaLoop>;
  /** Frees the backend. */
  destroy(): void;

  // Base evolution (learners/evolution/).
  /**
   * Runs a planned evolution (built by `runEvolution`, learners/evolution/evolution.ts) with this
   * backend's kernels or twins and fills the plan's history; a neural plan's population must have
   * been created by this backend.
   */
  evolve(plan: EvolutionPlan): Promise<EvolutionCounters>;

  // Black-box strategies (learners/strategies/).
  /**
   * Runs S instances of a registered strategy (CMA-ES, OpenAI-ES, SNES, PGPE) on S BBOB instances,
   * with this backend's kernels (ask, evaluation and tell on the device) or CPU twins.
   */
  runStrategies(spec: StrategyRunSpec): Promise<StrategyRunResult>;
}
