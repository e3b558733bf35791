/**
 * Plain-loop TypeScript twins of the MLP kernels (the specification the WGSL must match):
 * `trainStepSpecCpu` (shaders/train_step.wgsl; `trainStepCpu` is its fast path, the same numbers)
 * and `evaluateCpu` (shaders/evaluate.wgsl), and re-exported from mlp_init_cpu.ts `initParamsCpu`
 * (shaders/init_params.wgsl) and `sampleBatchesCpu` (shaders/sample_batches.wgsl); the optimizer
 * update of the train step is in optimizer_cpu.ts.
 * @module
 */
import { KNOB, KNOB_STRIDE } from "../optimizers/knobs.ts";
import type { MlpLayout } from "./mlp_layout.ts";
import { plainSgd, stepNorms, type StepRows, updateCpu } from "../optimizers/optimizer_cpu.ts";
import { isQuarantined, METRIC, METRIC_STRIDE } from "../metrics_row.ts";

import { type MlpData, type MlpState, modelAfter, type ModelRange } from "./mlp_state.ts";
import { allFinite, f64Row, gatherInputs, scratch, threadScratch } from "./_mlp_fast.ts";
import { fastBackward, fastForward } from "./_batch_grad_fast.ts";

export { learnedFeatures, learnedLrScale } from "../optimizers/optimizer_cpu.ts";
export { createMlpState, type MlpData, type MlpState, type ModelRange } from "./mlp_state.ts";
export { initParamsCpu, initStd, resetStateCpu, sampleBatchesCpu } from "./mlp_init_cpu.ts";
export type { EvalResult } from "./evaluate_cpu.ts";

function activate(layout: MlpLayout, z: number): number {
  return layout.activation === "relu" ? Math.max(z, 0) : Math.tanh(z);
}

/** Derivative of the activation expressed through its output a. */
function activationGrad(layout: MlpLayout, a: number): number {
  return layout.activation === "relu" ? (a > 0 ? 1 : 0) : 1 - a * a;
}

export function labelOf(s: MlpState, p: number, y: number, outputs: number): number {
  const raw = Math.trunc(y);
  const l = s.labelMapWidth > 0 ? s.labelMap[p * s.labelMapWidth + raw]! : raw;
  return Math.min(l, outputs - 1);
}

/**
 * Forward pass of model p on samples `idx` (length n). Returns activations (n, actWidth): hidden
 * layers after the nonlinearity, the last layer raw (logits or regression outputs).
 */
export function forwardCpu(
  layout: MlpLayout,
  params: Float32Array,
  p: number,
  data: MlpData,
  idx: ArrayLike<number>,
): Float64Array {
  const { widths, layers, weightOffset, biasOffset, actOffset, actWidth, stride } = layout;
  const n = idx.length;
  const acts = new Float64Array(n * actWidth);
  const base = p * stride;
  for (let b = 0; b < n; b++) {
    const xi = idx[b]! * data.inputs;
    for (let l = 0; l < layers; l++) {
      const fin = widths[l]!;
      const fout = widths[l + 1]!;
      const last = l === layers - 1;
      for (let j = 0; j < fout; j++) {
        let z = params[base + biasOffset[l]! + j]!;
        const w = base + weightOffset[l]! + j * fin;
        for (let i = 0; i < fin; i++) {
          const a = l === 0 ? data.x[xi + i]! : acts[b * actWidth + actOffset[l - 1]! + i]!;
          z += params[w + i]! * a;
        }
        acts[b * actWidth + actOffset[l]! + j] = last ? z : activate(layout, z);
      }
    }
  }
  return acts;
}

/**
 * Loss of one sample from its output row `o` (length outputs) and its derivative dL/do written to
 * `d` (scaled by `scale`). Cross-entropy: log-sum-exp minus the label's logit. MSE: mean over the
 * outputs of (o - t)^2, derivative 2(o - t)/outputs.
 */
export function sampleLoss(
  layout: MlpLayout,
  o: Float64Array,
  label: number,
  t: Float32Array,
  tOff: number,
  d: Float64Array | null,
  scale: number,
  smooth = 0,
): number {
  const k = layout.outputs;
  if (layout.loss === "cross_entropy") {
    // Target (1 - smooth) * onehot(label) + smooth / k (label smoothing).
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, o[j]!);
    let sum = 0;
    let zsum = 0;
    for (let j = 0; j < k; j++) {
      sum += Math.exp(o[j]! - m);
      zsum += o[j]!;
    }
    const off = smooth / k;
    if (d) {
      for (let j = 0; j < k; j++) {
        d[j] = (Math.exp(o[j]! - m) / sum - (j === label ? 1 - smooth : 0) - off) * scale;
      }
    }
    return Math.log(sum) + m - ((1 - smooth) * o[label]! + off * zsum);
  }
  let loss = 0;
  for (let j = 0; j < k; j++) {
    const diff = o[j]! - t[tOff + j]!;
    loss += diff * diff;
    if (d) d[j] = (2 * diff / k) * scale;
  }
  return loss / k;
}

/** One model's train step in progress: its batch rows, activations and deltas (B, actWidth). */
interface ModelStep {
  layout: MlpLayout;
  s: MlpState;
  data: MlpData;
  /** The model. */
  p: number;
  /** Its batch: B rows of `data`. */
  idx: Uint32Array;
  acts: Float64Array;
  deltas: Float64Array;
}

/**
 * Loss summed over the model's batch, with the output deltas dL/dz of the last layer (mean over
 * the batch) written to its deltas; `o` and `d` are scratch rows of `outputs` values.
 */
function batchLossCpu(
  { layout, s, data, p, idx, acts, deltas }: ModelStep,
  [o, d]: [Float64Array, Float64Array],
): number {
  const { layers, actOffset, actWidth, outputs } = layout;
  const B = layout.batchSize;
  let lossSum = 0;
  const lastOff = actOffset[layers - 1]!;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < outputs; j++) o[j] = acts[b * actWidth + lastOff + j]!;
    const n = idx[b]!;
    const label = layout.loss === "cross_entropy"
      ? labelOf(s, p, data.y[n * data.targetWidth]!, outputs)
      : 0;
    const smooth = s.knobs[p * KNOB_STRIDE + KNOB.labelSmoothing]!;
    lossSum += sampleLoss(layout, o, label, data.y, n * data.targetWidth, d, 1 / B, smooth);
    for (let j = 0; j < outputs; j++) deltas[b * actWidth + lastOff + j] = d[j]!;
  }
  return lossSum;
}

/**
 * Backward pass of the model from the output deltas: accumulates the weight and bias gradients
 * into `grads` (zeroed first) and fills the deltas of the hidden layers.
 */
function backwardCpu(
  { layout, s, data, p, idx, acts, deltas }: ModelStep,
  grads: Float64Array,
): void {
  const { widths, layers, weightOffset, biasOffset, actOffset, actWidth } = layout;
  const base = p * layout.stride;
  grads.fill(0);
  for (let l = layers - 1; l >= 0; l--) {
    const fin = widths[l]!;
    const fout = widths[l + 1]!;
    for (let b = 0; b < layout.batchSize; b++) {
      const xi = idx[b]! * data.inputs;
      for (let j = 0; j < fout; j++) {
        const dj = deltas[b * actWidth + actOffset[l]! + j]!;
        grads[biasOffset[l]! + j]! += dj;
        for (let i = 0; i < fin; i++) {
          const a = l === 0 ? data.x[xi + i]! : acts[b * actWidth + actOffset[l - 1]! + i]!;
          grads[weightOffset[l]! + j * fin + i]! += dj * a;
        }
      }
      if (l > 0) {
        for (let i = 0; i < fin; i++) {
          let sum = 0;
          for (let j = 0; j < fout; j++) {
            sum += s.params[base + weightOffset[l]! + j * fin + i]! *
              deltas[b * actWidth + actOffset[l]! + j]!;
          }
          const a = acts[b * actWidth + actOffset[l - 1]! + i]!;
          deltas[b * actWidth + actOffset[l - 1]! + i] = sum * activationGrad(layout, a);
        }
      }
    }
  }
}

/** Loss summed over model p's batch `idx`, its gradient written to `grads` (paramCount). */
export type ModelGrad = (p: number, idx: Uint32Array, grads: Float64Array) => number;

/**
 * The readable gradient of `trainStepSpecCpu` (forwardCpu, batchLossCpu, backwardCpu) of layout,
 * state and data: a function of the model, its batch and the f64 gradient it fills.
 */
export function batchGradSpecCpu(layout: MlpLayout, s: MlpState, data: MlpData): ModelGrad {
  const { actWidth, outputs } = layout;
  const deltas = new Float64Array(layout.batchSize * actWidth);
  const rows: [Float64Array, Float64Array] = [new Float64Array(outputs), new Float64Array(outputs)];
  return (p, idx, grads) => {
    const acts = forwardCpu(layout, s.params, p, data, idx);
    const step = { layout, s, data, p, idx, acts, deltas };
    const lossSum = batchLossCpu(step, rows);
    backwardCpu(step, grads);
    return lossSum;
  };
}

/**
 * The fast gradient of `trainStepCpu` (_batch_grad_fast.ts: layer-major, blocked, the weight and
 * input gradient sums over the nonzero deltas), the same numbers as `batchGradSpecCpu`, which a
 * model whose inputs or layer outputs are not all finite (so also one with a non-finite parameter)
 * takes.
 */
export function batchGradCpu(layout: MlpLayout, s: MlpState, data: MlpData): ModelGrad {
  const spec = batchGradSpecCpu(layout, s, data);
  // (A data set whose rows are wider than the input layer: the readable twin reads their start.)
  if (data.inputs !== layout.widths[0]) return spec;
  // (One per thread: a train step runs its models one after the other, to the end.)
  const ws = threadScratch("batchGrad");
  const rows: [Float64Array, Float64Array] = [
    new Float64Array(layout.outputs),
    new Float64Array(layout.outputs),
  ];
  return (p, idx, grads) => {
    const th = f64Row(ws, "th", s.params, p * layout.stride, layout.paramCount);
    const x = gatherInputs(ws, data, idx);
    const acts = allFinite(x, 0, layout.batchSize * layout.widths[0]!)
      ? fastForward(layout, th, x, ws)
      : null;
    if (!acts) return spec(p, idx, grads);
    const delta = scratch(ws, "delta", layout.batchSize * layout.outputs);
    const step = { layout, s, data, p, idx };
    const lossSum = outputDeltas(step, { last: acts[layout.layers - 1]!, delta }, rows);
    fastBackward(layout, { th, x, acts, delta }, grads, ws);
    return lossSum;
  };
}

/** batchLossCpu on contiguous (B, outputs) rows: the summed loss, the deltas written to `delta`. */
function outputDeltas(
  { layout, s, data, p, idx }: Omit<ModelStep, "acts" | "deltas">,
  t: { last: Float64Array; delta: Float64Array },
  [o, d]: [Float64Array, Float64Array],
): number {
  const { outputs } = layout;
  const B = layout.batchSize;
  const smooth = s.knobs[p * KNOB_STRIDE + KNOB.labelSmoothing]!;
  let lossSum = 0;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < outputs; j++) o[j] = t.last[b * outputs + j]!;
    const n = idx[b]!;
    const label = layout.loss === "cross_entropy"
      ? labelOf(s, p, data.y[n * data.targetWidth]!, outputs)
      : 0;
    lossSum += sampleLoss(layout, o, label, data.y, n * data.targetWidth, d, 1 / B, smooth);
    for (let j = 0; j < outputs; j++) t.delta[b * outputs + j] = d[j]!;
  }
  return lossSum;
}

/**
 * Train-step twin for every model: forward on the model's current batch, mean loss, backward,
 * global-norm clip, L2 weight decay, then the model's optimizer (sgd, momentum, adam). With
 * `gradsOut` given, gradients (P, stride) are written there and nothing is updated (mode 1). A
 * model whose hold knob is set is left as it is, but its step count advances (update mode only).
 * The fast path of `trainStepSpecCpu` (the readable specification): the same numbers. `models`
 * (default all): only models from..to-1 step (each model's step reads and writes its own rows only,
 * so shares of a population may step in parallel threads: learners/meta_train/train_threads.ts).
 * `steps` (update mode only; default 1): that many steps of each model before the next model, the
 * numbers of as many calls (a model's steps read and write its own rows only).
 */
export function trainStepCpu(
  layout: MlpLayout,
  s: MlpState,
  data: MlpData,
  gradsOut?: Float32Array,
  models?: ModelRange,
  steps = 1,
): void {
  if (!(Number.isInteger(steps) && steps >= 1) || (gradsOut && steps !== 1)) {
    throw new RangeError(`trainStepCpu: steps must be 1 in gradient mode, an integer >= 1 else`);
  }
  const modelGrad = batchGradCpu(layout, s, data);
  trainStepWith(layout, s, gradsOut, modelGrad, { models, pairs: true, steps });
}

/** The readable train-step twin (the specification of `trainStepCpu` and of the kernel). */
export function trainStepSpecCpu(
  layout: MlpLayout,
  s: MlpState,
  data: MlpData,
  gradsOut?: Float32Array,
): void {
  trainStepWith(layout, s, gradsOut, batchGradSpecCpu(layout, s, data), {
    models: { from: 0, to: layout.size },
    pairs: false,
    steps: 1,
  });
}

function trainStepWith(
  layout: MlpLayout,
  s: MlpState,
  gradsOut: Float32Array | undefined,
  modelGrad: ModelGrad,
  o: { models?: ModelRange; pairs: boolean; steps: number },
): void {
  const { models = { from: 0, to: layout.size }, steps } = o;
  const { stride, paramCount } = layout;
  const B = layout.batchSize;
  const ws = threadScratch("trainStep");
  // The fast path steps models in pairs: both gradients first, then both norms in one loop
  // (optimizer_cpu.ts); the readable one steps them one by one.
  const rows = [0, 1].map((j) => ({
    grads: scratch(ws, `grads${j}`, paramCount),
    // f32, as the row it is copied to (each entry rounded once either way: the same bits).
    stage: f32Scratch(scratch(ws, `stage${j}`, (paramCount + 1) >> 1), paramCount),
    base: 0,
  })) as [StepRows, StepRows];
  const step = { layout, s, gradsOut, rows, sq: scratch(ws, "sq", 2), ps: [0, 0], loss: [0, 0] };
  const group = [0, 0];
  for (let p = modelAfter(models, models.from - 1); p < models.to;) {
    group[0] = p;
    const q = o.pairs ? modelAfter(models, p) : models.to;
    const g = q < models.to ? 2 : 1;
    group[1] = q;
    for (let k = 0; k < steps; k++) {
      let n = 0;
      for (let j = 0; j < g; j++) {
        const m = group[j]!;
        if (!gradsOut && s.knobs[m * KNOB_STRIDE + KNOB.hold] !== 0) {
          // Hold: parameters, moments and metrics stay; the step count advances (a quarantined
          // model's does not), so the model's next step reads the next batch slot.
          if (!isQuarantined(s.metrics, m)) s.steps[m] = s.steps[m]! + 1;
          continue;
        }
        const at = (m * s.numBatches + s.steps[m]! % s.numBatches) * B;
        rows[n]!.base = m * stride;
        step.ps[n] = m;
        step.loss[n] = modelGrad(m, s.batchIdx.subarray(at, at + B), rows[n]!.grads);
        n++;
      }
      if (n) finishSteps(step, n);
    }
    p = modelAfter(models, g === 2 ? q : p);
  }
}

/**
 * The norms, metrics and updates of the n (1 or 2) models step.ps whose gradients are in step.rows
 * and summed losses in step.loss.
 */
function finishSteps(
  step: {
    layout: MlpLayout;
    s: MlpState;
    gradsOut: Float32Array | undefined;
    rows: [StepRows, StepRows];
    sq: Float64Array;
    ps: number[];
    loss: number[];
  },
  n: number,
): void {
  const { layout, s, gradsOut, rows, sq, ps } = step;
  const { paramCount } = layout;
  const staged = [!gradsOut && plainSgd(s, ps[0]!), n > 1 && !gradsOut && plainSgd(s, ps[1]!)];
  stepNorms(s, { ps, n, rows }, { paramCount, gradsOut, staged, sq });
  for (let j = 0; j < n; j++) {
    const p = ps[j]!;
    const norm = Math.sqrt(sq[j]!);
    const loss = step.loss[j]! / layout.batchSize;
    s.metrics[p * METRIC_STRIDE + METRIC.loss] = loss;
    s.metrics[p * METRIC_STRIDE + METRIC.gradNorm] = norm;
    if (gradsOut) continue;
    // Quarantine: a NaN/infinite loss or gradient sets a sticky flag; the model is never updated.
    // (Math.fround: the kernel tests the f32 values.)
    if (
      isQuarantined(s.metrics, p) || !Number.isFinite(Math.fround(loss)) ||
      !Number.isFinite(Math.fround(norm))
    ) {
      s.metrics[p * METRIC_STRIDE + METRIC.quarantined] = 1;
      continue;
    }
    const r = rows[j]!;
    if (staged[j]) s.params.set(r.stage.subarray(0, paramCount), r.base);
    else updateCpu(layout, s, p, r.grads, norm);
    s.steps[p] = s.steps[p]! + 1;
  }
}

/** The first n f32 entries of f64 scratch `f` (of at least n / 2 entries). */
function f32Scratch(f: Float64Array, n: number): Float32Array {
  return new Float32Array(f.buffer, f.byteOffset, n);
}
