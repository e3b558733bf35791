/**
 * `evaluateCpu`'s fast forward pass (learners/mlp/evaluate_cpu.ts) against its readable one, bit for
 * bit: the same population evaluated on a data set, and on a copy whose rows carry extra columns
 * after the network's inputs (the readable twin reads their start; the fast pass does not take
 * such rows), on seeded problems with 1 to 3 hidden layers, odd widths and sample counts, ReLU and
 * tanh, cross-entropy with and without a label map, MSE; and with a model whose parameters are not
 * finite (which the fast pass hands to the readable one).
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { CpuPopulation } from "../../../learners/cpu_backend.ts";
import { evaluateCpu } from "../../../learners/mlp/evaluate_cpu.ts";
import type { Activation, LossKind } from "../../../learners/mlp/mlp_layout.ts";
import type { MlpData } from "../../../learners/mlp/mlp_state.ts";

interface Case {
  widths: number[];
  activation: Activation;
  loss: LossKind;
  labelWidth: number;
  count: number;
}

const CASES: Case[] = [
  { widths: [196, 64, 64, 5], activation: "relu", loss: "cross_entropy", labelWidth: 9, count: 75 },
  { widths: [13, 11, 5], activation: "relu", loss: "cross_entropy", labelWidth: 0, count: 7 },
  { widths: [7, 9, 6, 10, 3], activation: "tanh", loss: "cross_entropy", labelWidth: 5, count: 1 },
  { widths: [1, 40, 40, 1], activation: "relu", loss: "mse", labelWidth: 0, count: 10 },
  { widths: [3, 10, 9, 3], activation: "tanh", loss: "mse", labelWidth: 0, count: 9 },
];

const MODELS = 4;

/** The data set `d` with `pad` columns of noise after each row's inputs. */
function padded(d: MlpData, pad: number, rng: Rng): MlpData {
  const inputs = d.inputs + pad;
  const x = new Float32Array(d.count * inputs);
  for (let r = 0; r < d.count; r++) {
    x.set(d.x.subarray(r * d.inputs, (r + 1) * d.inputs), r * inputs);
    for (let k = 0; k < pad; k++) x[r * inputs + d.inputs + k] = rng.normal();
  }
  return { ...d, inputs, x };
}

function assertSameBits(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: [${i}] ${got[i]} != ${want[i]}`);
  }
}

for (const c of CASES) {
  Deno.test(`evaluateCpu's fast pass gives the readable pass's bits (${c.widths.join("-")}, ${c.activation}, ${c.loss})`, () => {
    const rng = new Rng(c.widths.length * 100 + c.count);
    const inputs = c.widths[0]!;
    const outputs = c.widths.at(-1)!;
    const rows = 40;
    const targetWidth = c.loss === "mse" ? outputs : 1;
    const classes = c.labelWidth > 0 ? c.labelWidth : outputs;
    const data: MlpData = {
      count: rows,
      inputs,
      targetWidth,
      x: Float32Array.from({ length: rows * inputs }, () => rng.int(4) === 0 ? 0 : rng.normal()),
      y: Float32Array.from(
        { length: rows * targetWidth },
        (_, i) => c.loss === "mse" ? rng.normal() : Math.floor(i / targetWidth) % classes,
      ),
    };
    const pop = new CpuPopulation({ size: MODELS, ...c, batchSize: 2 });
    if (c.labelWidth > 0) {
      const map = Uint32Array.from({ length: MODELS * c.labelWidth }, () => rng.int(outputs));
      pop.setLabelMap(map, c.labelWidth);
    }
    const st = pop.state;
    const L = pop.layout;
    for (let i = 0; i < st.params.length; i++) {
      st.params[i] = (i % L.stride) < L.paramCount ? 0.5 * rng.normal() : 0;
    }
    // Model 3 has an infinite weight: the fast pass must hand it to the readable one.
    st.params[3 * L.stride + 1] = Infinity;
    const idx = Uint32Array.from({ length: MODELS * c.count }, () => rng.int(rows));
    const wide = padded(data, 3, rng);
    const fast = evaluateCpu(L, st, data, idx, c.count, true);
    const readable = evaluateCpu(L, st, wide, idx, c.count, true);
    assertSameBits(fast.loss, readable.loss, "loss");
    assertSameBits(fast.accuracy, readable.accuracy, "accuracy");
    assertSameBits(fast.outputs!, readable.outputs!, "outputs");
    assert.ok(Number.isFinite(fast.loss[0]!), "a finite model has a finite loss");
  });
}
