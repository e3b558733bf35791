/**
 * The one-call API for people who just want a trained network (as MirrorMind's EasyTrainer):
 * `train(x, y)` trains a population with a spread of learning rates on the GPU (or the CPU twin),
 * keeps the model with the best validation score and returns it with `predict`.
 * @module
 */
import { Rng } from "../core/rng.ts";
import type { BackendChoice } from "./create_backend.ts";
import { createBackend } from "./create_backend.ts";
import type { Backend, BackendDataset, Population } from "./backend.ts";
import type { Dataset } from "./dataset.ts";
import type { OptimizerKind } from "./optimizers/knobs.ts";
import { type EvalResult, forwardCpu } from "./mlp/mlp_cpu.ts";
import { type Activation, type MlpLayout, mlpLayout } from "./mlp/mlp_layout.ts";

/** Options of `train`. */
export interface EasyTrainOptions {
  /** "classification" (y holds class indices) or "regression" (y holds targets); default: classification when every y is an integer. */
  task?: "classification" | "regression";
  /** Hidden widths (default [64]). */
  hidden?: number[];
  /** Hidden nonlinearity (default relu). */
  activation?: Activation;
  /** Models trained together, each with its own learning rate (default 16). */
  population?: number;
  /** Learning rates, log-spaced over [min, max] (default [1e-3, 1] for sgd, [1e-4, 3e-2] for adam). */
  lrRange?: [number, number];
  /** Optimizer (default adam). */
  optimizer?: OptimizerKind;
  /** Train steps (default 500). */
  steps?: number;
  /** Minibatch size (default 32). */
  batchSize?: number;
  /** Fraction of the samples held out to pick the best model (default 0.2). */
  validation?: number;
  /** Seed (default 0). */
  seed?: number;
  /** Backend (default auto: the GPU when an adapter exists). */
  backend?: BackendChoice;
}

/** A trained MLP (the best of the population). */
export interface TrainedModel {
  /** Classification or regression. */
  task: "classification" | "regression";
  /** The network's layout. */
  layout: MlpLayout;
  /** Its parameters (layout.paramCount values). */
  params: Float32Array;
  /** The learning rate that won. */
  lr: number;
  /** Validation accuracy (classification) of the winner. */
  validationAccuracy: number;
  /** Validation loss of the winner. */
  validationLoss: number;
  /** Predicted class per row (classification) or outputs (regression, rows x outputs). */
  predict(x: number[][] | Float32Array): Float32Array;
}

function toRows(
  x: number[][] | Float32Array,
  inputs: number | undefined,
  field: string,
): Float32Array<ArrayBuffer> {
  if (x instanceof Float32Array) {
    if (inputs === undefined || x.length % inputs !== 0) {
      throw new RangeError(
        `Invalid ${field}: a flat Float32Array needs a length that is a multiple of the input width ${inputs}: current length is ${x.length}`,
      );
    }
    return new Float32Array(x);
  }
  if (!Array.isArray(x) || x.length === 0) {
    throw new TypeError(`Invalid ${field}: must be a non-empty array of rows`);
  }
  const w = inputs ?? x[0]!.length;
  const out = new Float32Array(x.length * w);
  x.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== w) {
      throw new RangeError(
        `Invalid ${field}[${i}]: must have ${w} values: current length is ${
          Array.isArray(row) ? row.length : "not an array"
        }`,
      );
    }
    out.set(row, i * w);
  });
  return out;
}

/** The validated problem: rows, task kind and the layout's widths. */
interface Problem {
  task: "classification" | "regression";
  /** Targets, one per row. */
  ys: Float32Array;
  /** Rows, (count, inputs). */
  xs: Float32Array<ArrayBuffer>;
  count: number;
  inputs: number;
  /** Classes (0 for regression). */
  classes: number;
  /** Output width: the classes, or 1 for regression. */
  outputs: number;
}

/** Validates (x, y) and infers the task (classification when every y is a non-negative integer). */
function problemOf(
  x: number[][] | Float32Array,
  y: number[] | Float32Array,
  options: EasyTrainOptions,
): Problem {
  const ys = Float32Array.from(y);
  const count = ys.length;
  if (count < 1) throw new RangeError("Invalid y: must hold at least one value");
  const task = options.task ??
    (ys.every((v) => Number.isInteger(v) && v >= 0) ? "classification" : "regression");
  const xs = toRows(x, x instanceof Float32Array ? x.length / count : undefined, "x");
  const inputs = xs.length / count;
  if (!Number.isInteger(inputs) || inputs < 1) {
    throw new RangeError(`Invalid x: must have one row per y value (${count})`);
  }
  const classes = task === "classification" ? Math.max(2, ...Array.from(ys, (v) => v + 1)) : 0;
  // Regression fits one output per row.
  const outputs = task === "classification" ? classes : 1;
  return { task, ys, xs, count, inputs, classes, outputs };
}

/** The resolved training settings. */
interface Settings {
  optimizer: OptimizerKind;
  /** Learning-rate range [lo, hi]. */
  lo: number;
  hi: number;
  /** Population size. */
  P: number;
  steps: number;
  seed: number;
  /** Validation fraction. */
  valFrac: number;
}

/** Options with their defaults, validated. */
function settingsOf(options: EasyTrainOptions): Settings {
  const optimizer = options.optimizer ?? "adam";
  const [lo, hi] = options.lrRange ?? (optimizer === "adam" ? [1e-4, 3e-2] : [1e-3, 1]);
  if (!(lo > 0 && hi >= lo)) {
    throw new RangeError(
      `Invalid lrRange: must satisfy 0 < min <= max: current value is [${lo}, ${hi}]`,
    );
  }
  const valFrac = options.validation ?? 0.2;
  if (!(valFrac >= 0 && valFrac < 1)) {
    throw new RangeError(`Invalid validation: must be in [0, 1): current value is ${valFrac}`);
  }
  return {
    optimizer,
    lo,
    hi,
    P: options.population ?? 16,
    steps: options.steps ?? 500,
    seed: options.seed ?? 0,
    valFrac,
  };
}

/** The rows shuffled once (seeded): the first `nTrain` train, the rest validate. */
function shuffledData(pr: Problem, seed: number): Dataset {
  const { count, inputs, xs, ys } = pr;
  const order = new Rng(seed, 17).permutation(count);
  const data: Dataset = {
    count,
    inputs,
    targetWidth: 1,
    classes: pr.classes,
    x: new Float32Array(count * inputs),
    y: new Float32Array(count),
  };
  order.forEach((src, i) => {
    data.x.set(xs.subarray(src * inputs, (src + 1) * inputs), i * inputs);
    data.y[i] = ys[src]!;
  });
  if (pr.task === "regression") data.classes = 0;
  return data;
}

/** Learning rate of model p: log-spaced over [lo, hi]. */
function rateOf(st: Settings, p: number): number {
  return st.P === 1 ? st.lo : st.lo * Math.pow(st.hi / st.lo, p / (st.P - 1));
}

/** Trains every model for `steps` steps on the first `nTrain` rows, in submits of 100 steps. */
function trainAll(pop: Population, d: BackendDataset, st: Settings, nTrain: number): void {
  pop.init(st.seed);
  pop.setKnobs(
    Array.from({ length: st.P }, (_, p) => ({ lr: rateOf(st, p), optimizer: st.optimizer })),
  );
  const ranges = new Uint32Array(2 * st.P);
  for (let p = 0; p < st.P; p++) ranges[2 * p + 1] = nTrain;
  const chunk = 100;
  for (let done = 0, round = 0; done < st.steps; done += chunk, round++) {
    const k = Math.min(chunk, st.steps - done);
    pop.sampleBatches({ seed: st.seed, round, numBatches: k, ranges });
    pop.train(d, k);
  }
}

/** Eval rows of every model: the validation rows, or all rows when there are none. */
function validationIndices(P: number, count: number, nVal: number): Uint32Array<ArrayBuffer> {
  const nTrain = count - nVal;
  const valRows = nVal > 0 ? nVal : count;
  const idx = new Uint32Array(P * valRows);
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < valRows; i++) idx[p * valRows + i] = nVal > 0 ? nTrain + i : i;
  }
  return idx;
}

/** The best healthy model: highest accuracy then lowest loss (classification), or lowest loss; -1 when none. */
function bestModel(ev: EvalResult, diverged: Uint8Array, task: Problem["task"]): number {
  let best = -1;
  for (let p = 0; p < diverged.length; p++) {
    if (diverged[p] || !Number.isFinite(ev.loss[p]!)) continue;
    const better = best < 0 ||
      (task === "classification"
        ? ev.accuracy[p]! > ev.accuracy[best]! ||
          (ev.accuracy[p] === ev.accuracy[best] && ev.loss[p]! < ev.loss[best]!)
        : ev.loss[p]! < ev.loss[best]!);
    if (better) best = p;
  }
  return best;
}

/** Outputs (regression, rows x outputs) or the predicted class per row of one model on `input`. */
function predictRows(
  one: MlpLayout,
  params: Float32Array,
  pr: Pick<Problem, "task" | "inputs" | "outputs">,
  input: number[][] | Float32Array,
): Float32Array {
  const { inputs, outputs } = pr;
  const rows = toRows(input, inputs, "x");
  const n = rows.length / inputs;
  const acts = forwardCpu(one, params, 0, {
    x: rows,
    y: new Float32Array(n),
    count: n,
    inputs,
    targetWidth: 1,
  }, Array.from({ length: n }, (_, i) => i));
  const off = one.actOffset[one.layers - 1]!;
  const at = (i: number, j: number) => acts[i * one.actWidth + off + j]!;
  if (pr.task === "regression") {
    const out = new Float32Array(n * outputs);
    for (let i = 0; i < n; i++) for (let j = 0; j < outputs; j++) out[i * outputs + j] = at(i, j);
    return out;
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let j = 1; j < outputs; j++) if (at(i, j) > at(i, b)) b = j;
    out[i] = b;
  }
  return out;
}

/** Trains on a backend and returns the winner's parameters, learning rate and validation scores. */
async function trainOn(
  backend: Backend,
  pr: Problem,
  st: Settings,
  layout: MlpLayout,
): Promise<Omit<TrainedModel, "task" | "layout" | "predict">> {
  const data = shuffledData(pr, st.seed);
  const nVal = Math.floor(pr.count * st.valFrac);
  const d = backend.uploadDataset(data);
  const pop = backend.createPopulation(layout);
  trainAll(pop, d, st, pr.count - nVal);
  const ev = await pop.evaluate(d, validationIndices(st.P, pr.count, nVal));
  const best = bestModel(ev, (await pop.readMetrics()).diverged, pr.task);
  if (best < 0) {
    throw new RangeError(
      `Cannot train: every model diverged; lower lrRange: current value is [${st.lo}, ${st.hi}]`,
    );
  }
  const all = await pop.readParams();
  return {
    params: all.slice(best * layout.stride, best * layout.stride + layout.stride),
    lr: rateOf(st, best),
    validationAccuracy: ev.accuracy[best]!,
    validationLoss: ev.loss[best]!,
  };
}

/**
 * Trains a population of MLPs with a spread of learning rates on (x, y) and returns the model
 * with the best validation accuracy (classification) or loss (regression).
 *
 * @example
 * ```ts ignore
 * const model = await train([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], { validation: 0, steps: 800 });
 * model.predict([[1, 0]]); // Float32Array [1]
 * ```
 */
export async function train(
  x: number[][] | Float32Array,
  y: number[] | Float32Array,
  options: EasyTrainOptions = {},
): Promise<TrainedModel> {
  const pr = problemOf(x, y, options);
  const st = settingsOf(options);
  const layout = mlpLayout({
    size: st.P,
    widths: [pr.inputs, ...(options.hidden ?? [64]), pr.outputs],
    activation: options.activation,
    loss: pr.task === "classification" ? "cross_entropy" : "mse",
    batchSize: Math.min(options.batchSize ?? 32, pr.count),
  });
  const backend = await createBackend(options.backend ?? "auto", () => {});
  try {
    const won = await trainOn(backend, pr, st, layout);
    const one = { ...layout, size: 1 };
    return {
      task: pr.task,
      layout: one,
      ...won,
      predict: (input) => predictRows(one, won.params, pr, input),
    };
  } finally {
    backend.destroy();
  }
}
