/**
 * `CpuBackend`: runs every kernel's plain-loop TypeScript twin. Slow, exact, always available.
 * @module
 */
import type {
  Backend,
  BackendDataset,
  GradientResult,
  InputPrecision,
  OptimizerState,
  Population,
  PopulationState,
  SampleBatchesOptions,
  TrainMetrics,
  UploadOptions,
} from "./backend.ts";
import { checkInputPrecision, type Dataset, validateDataset } from "./dataset.ts";
import { KNOB_STRIDE, type Knobs, learnedTable } from "./optimizers/knobs.ts";
import {
  createMlpState,
  type EvalResult,
  initParamsCpu,
  type MlpState,
  resetStateCpu,
  sampleBatchesCpu,
  trainStepCpu,
} from "./mlp/mlp_cpu.ts";
import { evaluateCpu } from "./mlp/evaluate_cpu.ts";
import type { MlpLayout, PopulationSpec } from "./mlp/mlp_layout.ts";
import { PopulationChecks } from "./_population_base.ts";
import { CpuMetaLoop } from "./meta_train/cpu_meta_loop.ts";
import { loopModels, loopShape, type MetaLoop, type MetaLoopSpec } from "./meta_train/meta_loop.ts";
import { CpuLowrankLoop } from "./meta_train/cpu_lowrank_loop.ts";
import { lowrankApplies } from "./meta_train/lowrank_loop.ts";
import type { EvolutionCounters, EvolutionPlan } from "./evolution/evolution_plan.ts";
import { evolveOnCpu } from "./cpu_evolution.ts";
import {
  runStrategiesCpu,
  type StrategyRunResult,
  type StrategyRunSpec,
} from "./strategies/bbob_run.ts";
import { METRIC_STRIDE, trainMetricsOf } from "./metrics_row.ts";

/** A data set held in host memory by the CPU backend. */
export class CpuDataset implements BackendDataset {
  /** Number of samples. */
  readonly count: number;
  /** Input width. */
  readonly inputs: number;
  /** Targets per sample (1 for class labels). */
  readonly targetWidth: number;
  /** Number of classes; 0 for regression. */
  readonly classes: number;
  /** Inputs, (count, inputs) row-major (rounded to f16 values when inputPrecision is "f16"). */
  readonly x: Float32Array;
  /** Storage precision of the inputs. */
  readonly inputPrecision: InputPrecision;
  /** Targets, (count, targetWidth) row-major. */
  readonly y: Float32Array;

  /** Validates and keeps the arrays (a rounded copy of the inputs for f16). */
  constructor(d: Dataset, options: UploadOptions = {}) {
    validateDataset(d);
    this.count = d.count;
    this.inputs = d.inputs;
    this.targetWidth = d.targetWidth;
    this.classes = d.classes;
    this.inputPrecision = checkInputPrecision(options.inputPrecision);
    this.x = this.inputPrecision === "f16" ? d.x.map(Math.f16round) : d.x;
    this.y = d.y;
  }

  /** Nothing to free. */
  destroy(): void {}
}

function asCpu(d: BackendDataset): CpuDataset {
  if (!(d instanceof CpuDataset)) {
    throw new TypeError("Cannot use a data set uploaded to another backend");
  }
  return d;
}

/** A population trained by the CPU twins. */
export class CpuPopulation implements Population {
  readonly layout: MlpLayout;
  /** The host state (exposed for tests and checkpoints). */
  readonly state: MlpState;
  #checks: PopulationChecks;

  /** Validates the spec and allocates zeroed state. */
  constructor(spec: PopulationSpec) {
    this.#checks = new PopulationChecks(spec);
    this.layout = this.#checks.layout;
    this.state = createMlpState(this.layout);
  }

  init(seed: number, first = 0): void {
    initParamsCpu(this.layout, this.state, seed >>> 0, first);
  }

  reset(): void {
    resetStateCpu(this.state);
  }

  setKnobs(knobs: Knobs | Knobs[] | Float32Array<ArrayBuffer>): void {
    this.state.knobs.set(this.#checks.knobTable(knobs));
  }

  setLearnedWeights(weights: Float32Array<ArrayBuffer>): void {
    this.state.learned.set(learnedTable(weights, this.layout.size));
  }

  setBatches(indices: Uint32Array<ArrayBuffer>, numBatches: number): void {
    this.#checks.checkBatches(indices, numBatches);
    this.state.batchIdx = sharedCopy(indices);
    this.state.numBatches = numBatches;
  }

  sampleBatches(o: SampleBatchesOptions): void {
    this.#checks.checkSampleOptions(o);
    this.state.batchIdx = sampleBatchesCpu(
      this.layout,
      o.ranges,
      o.numBatches,
      o.seed >>> 0,
      o.round >>> 0,
      o.keys,
      o.lastSlot,
    );
    this.state.numBatches = o.numBatches;
  }

  setLabelMap(map: Uint32Array<ArrayBuffer> | null, width: number): void {
    this.#checks.checkLabelMap(map, width);
    this.state.labelMap = map ? sharedCopy(map) : new Uint32Array(1);
    this.state.labelMapWidth = map ? width : 0;
  }

  train(data: BackendDataset, steps: number): void {
    this.#checks.checkSteps(steps);
    this.#checks.checkData(data);
    const d = asCpu(data);
    // Each model's steps in turn (the numbers of `steps` population steps).
    if (steps > 0) trainStepCpu(this.layout, this.state, d, undefined, undefined, steps);
  }

  gradients(data: BackendDataset): Promise<GradientResult> {
    this.#checks.checkData(data);
    const grads = new Float32Array(this.layout.size * this.layout.stride);
    trainStepCpu(this.layout, this.state, asCpu(data), grads);
    return Promise.resolve({ grads, ...this.#metrics() });
  }

  evaluate(
    data: BackendDataset,
    indices: Uint32Array<ArrayBuffer>,
    options: { outputs?: boolean } = {},
  ): Promise<EvalResult> {
    const count = this.#checks.checkEval(data, indices);
    return Promise.resolve(
      evaluateCpu(this.layout, this.state, asCpu(data), indices, count, options.outputs),
    );
  }

  readParams(): Promise<Float32Array> {
    return Promise.resolve(this.state.params.slice());
  }

  writeParams(params: Float32Array<ArrayBuffer>): void {
    this.#checks.checkParams(params);
    this.state.params.set(params);
  }

  readOptimizerState(): Promise<OptimizerState> {
    return Promise.resolve({ opt: this.state.opt.slice(), steps: this.state.steps.slice() });
  }

  #metrics(): TrainMetrics {
    return trainMetricsOf(this.state.metrics, this.layout.size);
  }

  readMetrics(): Promise<TrainMetrics> {
    return Promise.resolve(this.#metrics());
  }

  snapshotMetrics(): () => Promise<TrainMetrics> {
    const m = this.#metrics();
    return () => Promise.resolve(m);
  }

  readState(): Promise<PopulationState> {
    const s = this.state;
    return Promise.resolve({
      params: s.params.slice(),
      opt: s.opt.slice(),
      steps: s.steps.slice(),
      metrics: s.metrics.slice(),
      knobs: s.knobs.slice(),
    });
  }

  writeState(state: PopulationState): void {
    this.#checks.checkState(state);
    const s = this.state;
    s.params.set(state.params);
    s.opt.set(state.opt);
    s.steps.set(state.steps);
    s.metrics.set(state.metrics);
    s.knobs.set(state.knobs);
  }

  copyModels(from: ArrayLike<number>, to: ArrayLike<number>): void {
    this.#checks.checkCopy(from, to);
    const s = this.state;
    const { stride } = this.layout;
    const before = {
      params: s.params.slice(),
      opt: s.opt.slice(),
      steps: s.steps.slice(),
      metrics: s.metrics.slice(),
      knobs: s.knobs.slice(),
    };
    const rows: [keyof typeof before, number][] = [
      ["params", stride],
      ["opt", 2 * stride],
      ["steps", 1],
      ["metrics", METRIC_STRIDE],
      ["knobs", KNOB_STRIDE],
    ];
    for (let i = 0; i < from.length; i++) {
      const f = from[i]!;
      const t = to[i]!;
      for (const [k, n] of rows) {
        (s[k] as Float32Array | Uint32Array).set(
          before[k].subarray(f * n, (f + 1) * n) as never,
          t * n,
        );
      }
    }
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  destroy(): void {}
}

/** The CPU backend: plain TypeScript loops, the specification of every kernel. */
export class CpuBackend implements Backend {
  readonly kind = "cpu" as const;
  readonly runsOnHost = true;

  describe(): string {
    return "CPU backend (plain TypeScript twins of the kernels)";
  }

  uploadDataset(data: Dataset, options?: UploadOptions): BackendDataset {
    return new CpuDataset(data, options);
  }

  createPopulation(spec: PopulationSpec): CpuPopulation {
    return new CpuPopulation(spec);
  }

  createMetaLoop(spec: MetaLoopSpec): Promise<MetaLoop> {
    // FOMAML and Reptile with a hidden layer: the factored loop when asked (lowrank_loop.ts).
    if (spec.lowrank === true && lowrankApplies(spec)) {
      return Promise.resolve(new CpuLowrankLoop(spec));
    }
    const pop = new CpuPopulation({ size: loopModels(spec), ...loopShape(spec) });
    return Promise.resolve(new CpuMetaLoop(spec, pop));
  }

  destroy(): void {}

  // Base evolution: the twins on host arrays, a neural run on the population's own state.
  evolve(plan: EvolutionPlan): Promise<EvolutionCounters> {
    const pop = plan.fitness.kind === "neural" ? plan.fitness.population : undefined;
    if (pop && !(pop instanceof CpuPopulation)) {
      throw new TypeError("Cannot evolve a population created by another backend");
    }
    return Promise.resolve(evolveOnCpu(plan, pop?.state));
  }

  /** Strategies on BBOB instances with the CPU twins. */
  runStrategies(spec: StrategyRunSpec): Promise<StrategyRunResult> {
    return runStrategiesCpu(spec);
  }
}

/**
 * A copy of `a` in a SharedArrayBuffer of its own: the batch tables and label maps a population is
 * given, which the train-step threads (meta_train/train_threads.ts) then take without copying them
 * again (`shareState`); nothing else shares them.
 */
function sharedCopy(a: Uint32Array): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out as unknown as Uint32Array<ArrayBuffer>;
}
