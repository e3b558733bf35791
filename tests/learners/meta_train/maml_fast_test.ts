/**
 * The fast paths of second-order MAML's CPU twins (layer-major passes of learners/mlp/_mlp_fast.ts)
 * against their readable specifications, bit for bit, on seeded random problems: `trainStepCpu`
 * against `trainStepSpecCpu` (1 to 3 hidden layers, widths that are not multiples of 2, 4 or 8, odd
 * batch sizes, ReLU and tanh, cross-entropy with and without label maps and label smoothing, MSE
 * with several outputs, sgd / momentum / adam with clipping and weight decay, gradient and update
 * modes, a held model, and models whose parameters or inputs are not finite), and `hvpStepCpu`
 * against `hvpStepSpecCpu` on the same kinds of shapes, a direction with a -0 bias and a
 * non-finite direction. The f32 results of a step hide most changes of the f64 sums' order, so
 * the f64 gradients (`batchGradCpu`, `batchGradSpecCpu`) and Hessian-vector products (`hvpCpu`,
 * `lossGradHvpCpu`) are compared bit for bit too.
 */
import assert from "node:assert/strict";
import { evaluateCpu } from "../../../learners/mlp/evaluate_cpu.ts";
import { type KernelCalls, kernelCalls, wasmRows } from "../../../learners/mlp/_wasm_rows.ts";
import { Rng } from "../../../core/rng.ts";
import { CpuPopulation } from "../../../learners/cpu_backend.ts";
import { KNOB, KNOB_STRIDE, type Knobs } from "../../../learners/optimizers/knobs.ts";
import type { Activation, LossKind, MlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import {
  batchGradCpu,
  batchGradSpecCpu,
  type MlpData,
  type MlpState,
  trainStepCpu,
  trainStepSpecCpu,
} from "../../../learners/mlp/mlp_cpu.ts";
import {
  hvpCpu,
  hvpStepCpu,
  hvpStepSpecCpu,
  lossGradHvpCpu,
} from "../../../learners/meta_train/maml_cpu.ts";

interface Case {
  widths: number[];
  activation: Activation;
  loss: LossKind;
  batchSize: number;
  /** Label-map width (0: labels as stored). */
  labelWidth: number;
}

const CASES: Case[] = [
  {
    widths: [196, 64, 64, 5],
    activation: "relu",
    loss: "cross_entropy",
    batchSize: 5,
    labelWidth: 9,
  },
  { widths: [13, 11, 5], activation: "relu", loss: "cross_entropy", batchSize: 3, labelWidth: 0 },
  {
    widths: [7, 9, 6, 10, 3],
    activation: "tanh",
    loss: "cross_entropy",
    batchSize: 7,
    labelWidth: 5,
  },
  {
    widths: [16, 17, 15, 16, 5],
    activation: "relu",
    loss: "cross_entropy",
    batchSize: 1,
    labelWidth: 7,
  },
  { widths: [1, 40, 40, 1], activation: "relu", loss: "mse", batchSize: 10, labelWidth: 0 },
  { widths: [3, 10, 9, 3], activation: "tanh", loss: "mse", batchSize: 4, labelWidth: 0 },
];

const MODELS = 5;

/** A seeded problem of `c`: data, a population of MODELS models with batches, rows and maps. */
function problem(c: Case, seed: number) {
  const rng = new Rng(seed);
  const inputs = c.widths[0]!;
  const outputs = c.widths.at(-1)!;
  const classes = c.labelWidth > 0 ? c.labelWidth : outputs;
  const count = 31;
  const targetWidth = c.loss === "mse" ? outputs : 1;
  // Some inputs exactly 0, like the zeros of ReLU (the fast paths skip zero terms).
  const x = Float32Array.from(
    { length: count * inputs },
    () => rng.int(4) === 0 ? 0 : rng.normal(),
  );
  const y = Float32Array.from(
    { length: count * targetWidth },
    (_, i) => c.loss === "mse" ? rng.normal() : Math.floor(i / targetWidth) % classes,
  );
  const data: MlpData = { count, inputs, targetWidth, x, y };
  const pop = new CpuPopulation({
    size: MODELS,
    widths: c.widths,
    batchSize: c.batchSize,
    activation: c.activation,
    loss: c.loss,
  });
  const L = pop.layout;
  const slots = 3;
  const batches = Uint32Array.from(
    { length: MODELS * slots * c.batchSize },
    () => rng.int(count),
  );
  pop.setBatches(batches, slots);
  const labelMap = Uint32Array.from({ length: MODELS * c.labelWidth }, () => rng.int(outputs));
  if (c.labelWidth > 0) pop.setLabelMap(labelMap, c.labelWidth);
  const st = pop.state;
  for (let i = 0; i < st.params.length; i++) {
    st.params[i] = (i % L.stride) < L.paramCount ? 0.5 * rng.normal() : 0;
  }
  return { rng, data, pop, L, batches, labelMap: c.labelWidth > 0 ? labelMap : new Uint32Array(1) };
}

/** Every entry of `got` the same f32 (or u32) bits as `want`'s, else the first few mismatches. */
function assertSameBits(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  what: string,
): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    if (!Object.is(got[i], want[i])) bad.push(`[${i}] ${got[i]} != ${want[i]}`);
  }
  assert.equal(bad.length, 0, `${what}: ${bad.join(", ")}`);
}

function assertSameState(got: MlpState, want: MlpState, what: string): void {
  assertSameBits(got.params, want.params, `${what} params`);
  assertSameBits(got.opt, want.opt, `${what} opt`);
  assertSameBits(got.metrics, want.metrics, `${what} metrics`);
  assertSameBits(got.steps, want.steps, `${what} steps`);
}

/** Knobs of the models: sgd, momentum, adam with clipping, weight decay, label smoothing, hold. */
function knobs(c: Case): Knobs[] {
  const smooth = c.loss === "cross_entropy" ? 0.1 : 0;
  return [
    { lr: 0.3, optimizer: "sgd" },
    { lr: 0.1, optimizer: "momentum", momentum: 0.9, weightDecay: 0.01 },
    { lr: 0.01, optimizer: "adam", clipNorm: 0.5, labelSmoothing: smooth },
    { lr: 0.2, optimizer: "sgd", gradTransform: "sign" },
    { lr: 0.05, optimizer: "adam", gradTransform: "normalize", labelSmoothing: smooth },
  ];
}

/** Three steps (update mode) then a gradient, with both twins from the same state. */
function trainBoth(L: MlpLayout, st: MlpState, data: MlpData, what: string): void {
  const spec = structuredClone(st);
  const fast = structuredClone(st);
  for (let k = 0; k < 3; k++) {
    trainStepSpecCpu(L, spec, data);
    trainStepCpu(L, fast, data);
    assertSameState(fast, spec, `${what} step ${k}`);
  }
  const gSpec = new Float32Array(MODELS * L.stride);
  const gFast = new Float32Array(MODELS * L.stride);
  trainStepSpecCpu(L, spec, data, gSpec);
  trainStepCpu(L, fast, data, gFast);
  assertSameState(fast, spec, `${what} gradient mode`);
  assertSameBits(gFast, gSpec, `${what} gradients`);
}

Deno.test("trainStepCpu gives trainStepSpecCpu's bits (1-3 hidden layers, relu/tanh, ce/mse, label maps, optimizers)", () => {
  for (const [n, c] of CASES.entries()) {
    const { data, pop, L } = problem(c, 10 + n);
    pop.setKnobs(knobs(c));
    trainBoth(L, pop.state, data, `case ${n} [${c.widths}] ${c.activation} ${c.loss}`);
  }
});

Deno.test("trainStepCpu gives trainStepSpecCpu's bits with a held model and non-finite parameters or inputs", () => {
  const c = CASES[0]!;
  const { data, pop, L } = problem(c, 3);
  const k = knobs(c);
  pop.setKnobs(k);
  const st = pop.state;
  // Model 1: infinite first- and second-layer weights (ReLU hides them: the unit's output is 0, its
  // delta 0, and the readable twin's 0 * -Infinity in the input gradient is NaN); model 2: NaN in
  // the last layer.
  st.params[1 * L.stride + 5] = -Infinity;
  st.params[1 * L.stride + L.weightOffset[1]! + 2] = -Infinity;
  st.params[2 * L.stride + L.weightOffset[2]! + 3] = NaN;
  trainBoth(L, st, data, "non-finite parameters");
  // A NaN input read by the models' batches.
  const bad = { ...data, x: data.x.slice() };
  bad.x[pop.state.batchIdx[0]! * data.inputs + 7] = NaN;
  const { pop: pop2 } = problem(c, 4);
  pop2.setKnobs(k);
  trainBoth(L, pop2.state, bad, "NaN input");
  // A held model.
  const table = pop2.state.knobs.slice();
  table[3 * KNOB_STRIDE + KNOB.hold] = 1;
  pop2.setKnobs(table);
  trainBoth(L, pop2.state, data, "held model");
});

// The fast path steps models in pairs (two plain-SGD models' norms and steps in one loop, or two
// gradients' norms and copies); the readable one steps them one by one.
Deno.test("trainStepCpu gives trainStepSpecCpu's bits when it pairs models: two plain SGD, plain beside Adam, a held or diverged partner, an odd last", () => {
  for (const [n, c] of CASES.entries()) {
    const { data, pop, L } = problem(c, 20 + n);
    const k: Knobs[] = [
      { lr: 0.3, optimizer: "sgd" },
      { lr: 0.1, optimizer: "sgd", weightDecay: 0.01 },
      { lr: 0.01, optimizer: "adam" },
      { lr: 0.2, optimizer: "sgd" },
      { lr: 0.05, optimizer: "sgd", weightDecay: 0.001 },
    ];
    pop.setKnobs(k);
    trainBoth(L, pop.state, data, `case ${n} pairs`);
  }
  const c = CASES[0]!;
  const { data, pop, L } = problem(c, 30);
  pop.setKnobs(
    Array.from({ length: MODELS }, (_, p) => ({ lr: 0.1 + 0.05 * p, optimizer: "sgd" })),
  );
  const table = pop.state.knobs.slice();
  table[0 * KNOB_STRIDE + KNOB.hold] = 1;
  pop.setKnobs(table);
  // Model 3 diverges: NaN in its last layer, beside model 4, a healthy plain-SGD partner.
  pop.state.params[3 * L.stride + L.weightOffset[L.layers - 1]! + 1] = NaN;
  trainBoth(L, pop.state, data, "held and diverged partners");
  // Each model's 3 steps in one call (one model after the other), against 3 readable calls.
  const spec = structuredClone(pop.state);
  const fast = structuredClone(pop.state);
  for (let k = 0; k < 3; k++) trainStepSpecCpu(L, spec, data);
  trainStepCpu(L, fast, data, undefined, undefined, 3);
  assertSameState(fast, spec, "3 steps in one call");
  assert.throws(() =>
    trainStepCpu(L, fast, data, new Float32Array(MODELS * L.stride), undefined, 2)
  );
  assert.throws(() => trainStepCpu(L, fast, data, undefined, undefined, 0));
});

/** hvpStepCpu and hvpStepSpecCpu from the same rows and direction: the same bits. */
function hvpBoth(
  c: Case,
  seed: number,
  edit?: (L: MlpLayout, theta: Float32Array, v: Float32Array) => void,
): void {
  const { rng, data, pop, L, batches, labelMap } = problem(c, seed);
  const theta = pop.state.params.slice();
  const v = Float32Array.from(
    { length: theta.length },
    (_, i) => (i % L.stride) < L.paramCount ? rng.normal() : 0,
  );
  edit?.(L, theta, v);
  const shape = { models: MODELS, rowLen: 3 * c.batchSize, labelWidth: c.labelWidth, lr: 0.4 };
  const spec = v.slice();
  const fast = v.slice();
  hvpStepSpecCpu(L, data, { v: spec, theta, batches, labelMap }, shape);
  hvpStepCpu(L, data, { v: fast, theta, batches, labelMap }, shape);
  assertSameBits(fast, spec, `hvp [${c.widths}] ${c.activation} ${c.loss}`);
  // The step moved the direction (H v is not zero).
  assert.ok(spec.some((x, i) => x !== v[i]), "hvp changed nothing");
}

Deno.test("hvpStepCpu gives hvpStepSpecCpu's bits (1-3 hidden layers, relu/tanh, ce/mse, label maps)", () => {
  for (const [n, c] of CASES.entries()) hvpBoth(c, 20 + n);
});

Deno.test("hvpStepCpu gives hvpStepSpecCpu's bits with a -0 direction bias and non-finite rows", () => {
  for (const c of [CASES[0]!, CASES[2]!]) {
    hvpBoth(c, 5, (L, _theta, v) => {
      for (let p = 0; p < MODELS; p++) {
        v.fill(-0, p * L.stride + L.biasOffset[0]!, p * L.stride + L.biasOffset[0]! + 3);
      }
    });
    hvpBoth(c, 6, (L, theta, v) => {
      theta[1 * L.stride + 2] = Infinity;
      theta[4 * L.stride + L.weightOffset[1]! + 2] = -Infinity;
      v[2 * L.stride + L.weightOffset[1]! + 4] = NaN;
      theta[3 * L.stride + L.biasOffset[1]!] = -Infinity;
    });
  }
});

Deno.test("batchGradCpu's f64 loss and gradient are batchGradSpecCpu's bits", () => {
  for (const [n, c] of CASES.entries()) {
    const { data, pop, L } = problem(c, 30 + n);
    pop.setKnobs(knobs(c));
    const st = pop.state;
    const fast = batchGradCpu(L, st, data);
    const spec = batchGradSpecCpu(L, st, data);
    for (let p = 0; p < MODELS; p++) {
      const idx = st.batchIdx.subarray(p * 3 * c.batchSize, (p * 3 + 1) * c.batchSize);
      const [g1, g2] = [new Float64Array(L.paramCount), new Float64Array(L.paramCount)];
      const want = spec(p, idx, g1);
      const got = fast(p, idx, g2);
      const what = `case ${n} model ${p}`;
      assert.ok(Object.is(got, want), `${what} loss ${got} != ${want}`);
      assertSameBits(g2, g1, `${what} gradient`);
      assert.ok(g1.some((g) => g !== 0), `${what}: zero gradient`);
    }
  }
});

Deno.test("hvpCpu's f64 H v is lossGradHvpCpu's bits", () => {
  for (const [n, c] of CASES.entries()) {
    const { rng, data, L, batches, labelMap } = problem(c, 40 + n);
    for (let p = 0; p < MODELS; p++) {
      const theta = Float64Array.from({ length: L.paramCount }, () => 0.5 * rng.normal());
      const v = Float64Array.from({ length: L.paramCount }, () => rng.normal());
      const batch = {
        data,
        idx: batches.subarray(p * 3 * c.batchSize, (p * 3 + 1) * c.batchSize),
        labelMap: c.labelWidth > 0
          ? labelMap.subarray(p * c.labelWidth, (p + 1) * c.labelWidth)
          : null,
      };
      const want = lossGradHvpCpu(L, theta, v, batch).hv;
      assertSameBits(hvpCpu(L, theta, v, batch), want, `case ${n} model ${p} hv`);
      assert.ok(want.some((h) => h !== 0), `case ${n} model ${p}: zero hv`);
    }
  }
});

Deno.test("batchGradCpu and hvpCpu give the readable twins' NaNs where ReLU hides an infinite weight", () => {
  // 2-3-3-2 with positive inputs and first-layer weights: every hidden unit of layer 1 is active;
  // a -Infinity weight into unit 0 of layer 2 makes its input -Infinity for every sample, so ReLU
  // outputs 0 and its delta is 0, and the readable twins' input gradient adds -Infinity * 0 = NaN.
  const c: Case = {
    widths: [2, 3, 3, 2],
    activation: "relu",
    loss: "cross_entropy",
    batchSize: 3,
    labelWidth: 0,
  };
  const { data, pop, L } = problem(c, 50);
  data.x.forEach((v, i) => data.x[i] = 0.5 + Math.abs(v));
  const st = pop.state;
  pop.setKnobs({ lr: 0.1 });
  for (let p = 0; p < MODELS; p++) {
    const row = p * L.stride;
    for (let k = L.weightOffset[0]!; k < L.biasOffset[0]!; k++) st.params[row + k] = 0.3 + 0.1 * k;
    st.params[row + L.weightOffset[1]!] = -Infinity;
  }
  const idx = st.batchIdx.subarray(0, c.batchSize);
  const [g1, g2] = [new Float64Array(L.paramCount), new Float64Array(L.paramCount)];
  batchGradSpecCpu(L, st, data)(0, idx, g1);
  batchGradCpu(L, st, data)(0, idx, g2);
  assert.ok(g1.some((g) => Number.isNaN(g)), "the readable twin's gradient has no NaN");
  assertSameBits(g2, g1, "gradient");
  const theta = st.params.subarray(0, L.paramCount);
  const v = Float64Array.from({ length: L.paramCount }, (_, i) => 0.1 * (i % 5) - 0.2);
  const batch = { data, idx, labelMap: null };
  const want = lossGradHvpCpu(L, theta, v, batch).hv;
  assert.ok(want.some((h) => Number.isNaN(h)), "the readable twin's H v has no NaN");
  assertSameBits(hvpCpu(L, theta, v, batch), want, "hv");
});

// The bit-for-bit tests above pass whether or not a kernel ran (a caller that finds an array
// outside the WebAssembly arena takes its plain loop, with the same bits); the kernels' call
// counts tell the two apart.
Deno.test("trainStepCpu, hvpStepCpu and evaluateCpu run on the WebAssembly kernels (glyphs 5-way 1-shot shape)", () => {
  assert.ok(
    wasmRows(),
    "no WebAssembly SIMD in this runtime: every fast pass runs its plain loops",
  );
  const c = CASES[0]!;
  const layers = c.widths.length - 1;
  const { data, pop, L, batches, labelMap } = problem(c, 40);
  pop.setKnobs({ lr: 0.1, optimizer: "sgd" });
  const delta = (f: () => void): KernelCalls => {
    const a = kernelCalls();
    f();
    const b = kernelCalls();
    const keys = Object.keys(b) as (keyof KernelCalls)[];
    return Object.fromEntries(keys.map((k) => [k, b[k] - a[k]])) as unknown as KernelCalls;
  };
  const theta = pop.state.params.slice();
  // Every model's step: each layer forward, each layer's weight gradients, the input sums of
  // every layer but the first.
  assert.deepEqual(delta(() => trainStepCpu(L, pop.state, data)), {
    forward: MODELS * layers,
    weights: MODELS * layers,
    inputs: MODELS * (layers - 1),
    rows: 0,
    rows2: 0,
  });
  const v = Float32Array.from({ length: theta.length }, (_, i) => (i % 7) / 7 - 0.4);
  const shape = { models: MODELS, rowLen: 3 * c.batchSize, labelWidth: c.labelWidth, lr: 0.4 };
  const hvp = delta(() => hvpStepCpu(L, data, { v, theta, batches, labelMap }, shape));
  const ran = hvp.forward >= MODELS && hvp.rows >= MODELS && hvp.rows2 >= MODELS;
  assert.ok(ran, `hvpStepCpu: ${JSON.stringify(hvp)}`);
  const idx = Uint32Array.from({ length: MODELS * 20 }, (_, i) => i % data.count);
  const ev = delta(() => evaluateCpu(L, pop.state, data, idx, 20));
  assert.equal(ev.forward, MODELS * layers, `evaluateCpu: ${JSON.stringify(ev)}`);
});
