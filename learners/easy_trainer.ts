/**
 * The one-call API for people who just want a trained network (as MirrorMind's EasyTrainer):
 * `train(x, y)` trains a population with a spread of learning rates on the GPU (or the CPU twin),
 * keeps the model with the best validation score and returns it with `predict`.
 * @module
 */
import { Rng } from "../core/rng.ts";
import type { BackendChoice } from "./create_backend.ts";
import { createBackend } from "./create_backend.ts";
import type { Dataset } from "./dataset.ts";
import type { OptimizerKind } from "./optimizers/knobs.ts";
import { forwardCpu } from "./mlp/mlp_cpu.ts";
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
  const optimizer = options.optimizer ?? "adam";
  const [lo, hi] = options.lrRange ?? (optimizer === "adam" ? [1e-4, 3e-2] : [1e-3, 1]);
  if (!(lo > 0 && hi >= lo)) {
    throw new RangeError(
      `Invalid lrRange: must satisfy 0 < min <= max: current value is [${lo}, ${hi}]`,
    );
  }
  const P = options.population ?? 16;
  const steps = options.steps ?? 500;
  const seed = options.seed ?? 0;
  const valFrac = options.validation ?? 0.2;
  if (!(valFrac >= 0 && valFrac < 1)) {
    throw new RangeError(`Invalid validation: must be in [0, 1): current value is ${valFrac}`);
  }
  const layout = mlpLayout({
    size: P,
    widths: [inputs, ...(options.hidden ?? [64]), outputs],
    activation: options.activation,
    loss: task === "classification" ? "cross_entropy" : "mse",
    batchSize: Math.min(options.batchSize ?? 32, count),
  });
  // Shuffle once; the first rows train, the rest validate (all rows when validation is 0).
  const order = new Rng(seed, 17).permutation(count);
  const nVal = Math.floor(count * valFrac);
  const nTrain = count - nVal;
  const data: Dataset = {
    count,
    inputs,
    targetWidth: 1,
    classes,
    x: new Float32Array(count * inputs),
    y: new Float32Array(count),
  };
  order.forEach((src, i) => {
    data.x.set(xs.subarray(src * inputs, (src + 1) * inputs), i * inputs);
    data.y[i] = ys[src]!;
  });
  if (task === "regression") data.classes = 0;
  const backend = await createBackend(options.backend ?? "auto", () => {});
  try {
    const d = backend.uploadDataset(data);
    const pop = backend.createPopulation(layout);
    pop.init(seed);
    const rate = (p: number) => (P === 1 ? lo : lo * Math.pow(hi / lo, p / (P - 1)));
    pop.setKnobs(Array.from({ length: P }, (_, p) => ({ lr: rate(p), optimizer })));
    const ranges = new Uint32Array(2 * P);
    for (let p = 0; p < P; p++) ranges[2 * p + 1] = nTrain;
    const chunk = 100;
    for (let done = 0, round = 0; done < steps; done += chunk, round++) {
      const k = Math.min(chunk, steps - done);
      pop.sampleBatches({ seed, round, numBatches: k, ranges });
      pop.train(d, k);
    }
    const valRows = nVal > 0 ? nVal : count;
    const idx = new Uint32Array(P * valRows);
    for (let p = 0; p < P; p++) {
      for (let i = 0; i < valRows; i++) {
        idx[p * valRows + i] = nVal > 0 ? nTrain + i : i;
      }
    }
    const ev = await pop.evaluate(d, idx);
    const { diverged } = await pop.readMetrics();
    let best = -1;
    for (let p = 0; p < P; p++) {
      if (diverged[p] || !Number.isFinite(ev.loss[p]!)) continue;
      const better = best < 0 ||
        (task === "classification"
          ? ev.accuracy[p]! > ev.accuracy[best]! ||
            (ev.accuracy[p] === ev.accuracy[best] && ev.loss[p]! < ev.loss[best]!)
          : ev.loss[p]! < ev.loss[best]!);
      if (better) best = p;
    }
    if (best < 0) {
      throw new RangeError(
        `Cannot train: every model diverged; lower lrRange: current value is [${lo}, ${hi}]`,
      );
    }
    const all = await pop.readParams();
    const params = all.slice(best * layout.stride, best * layout.stride + layout.stride);
    const one = { ...layout, size: 1 };
    return {
      task,
      layout: one,
      params,
      lr: rate(best),
      validationAccuracy: ev.accuracy[best]!,
      validationLoss: ev.loss[best]!,
      predict(input: number[][] | Float32Array): Float32Array {
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
        if (task === "regression") {
          const out = new Float32Array(n * outputs);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < outputs; j++) {
              out[i * outputs + j] = acts[i * one.actWidth + off + j]!;
            }
          }
          return out;
        }
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          let b = 0;
          for (let j = 1; j < outputs; j++) {
            if (acts[i * one.actWidth + off + j]! > acts[i * one.actWidth + off + b]!) b = j;
          }
          out[i] = b;
        }
        return out;
      },
    };
  } finally {
    backend.destroy();
  }
}
