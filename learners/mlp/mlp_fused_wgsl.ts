/**
 * The WGSL of the fused train step (mlp_fused.ts): `forward_backward(p, slot, kb, r)`, which
 * shaders/train_step.wgsl calls for a model's forward pass, loss and backward pass, returning the
 * batch's summed loss and the sum of squares of the gradients it stored (as the tiled version in
 * shaders/_train_tiles.wgsl does).
 *
 * One invocation per model. The batch's inputs x_b_q (sample b, inputs 4q..4q+3), the outputs
 * o_k_b and their deltas d_k_b are named registers: the generator unrolls every loop over samples,
 * inputs and outputs, and keeps two loops over the hidden units, which the compiler does not unroll:
 *   forward   for unit j: h = act(b1[j] + W1[j] . x_b) for every sample, o_k_b += W2[k][j] * h;
 *   loss      per sample: the deltas d_k_b = dL/do_k_b / B (cross-entropy with label smoothing, or
 *             MSE), as shaders/_mlp.wgsl's ce_loss and mse_loss;
 *   backward  for unit j: h again, dh = act'(h) * sum_k W2[k][j] d_k_b, and the gradients of W1[j],
 *             b1[j] and W2[.][j] summed over the samples in registers, stored once (or, for a
 *             model whose SGD step is fused, the updated parameters: gradientStore).
 * @module
 */
import type { WgslPart } from "../../core/pipelines.ts";
import { fusedKey, type FusedShape } from "./mlp_fused.ts";
import { range } from "./mlp_tiles.ts";
import { storageViews } from "./storage_views_wgsl.ts";
import { gradientStore, type Lines, wgsl } from "./wgsl_template.ts";

/** What the loss and the nonlinearity of a fused step depend on (shared with mlp_fused2_wgsl.ts). */
export type FusedHead = Pick<FusedShape, "outputs" | "batch" | "activation" | "loss">;

/** One line per sample b. */
const perSample = (f: FusedHead, line: (b: number) => string | Lines): Lines =>
  range(f.batch).flatMap(line);

/** One line per output k. */
const perOutput = (f: FusedHead, line: (k: number) => string): Lines => range(f.outputs).map(line);

/** One line per group q of 4 inputs. */
const perQuad = (f: FusedShape, line: (q: number) => string): Lines =>
  range(f.inputs / 4).map(line);

/** The hidden nonlinearity of a pre-activation, and its derivative through the output h. */
export function activation(
  f: FusedHead,
): { act: (z: string) => string; grad: (h: string) => string } {
  return f.activation === "relu"
    ? { act: (z) => `max(${z}, 0.0)`, grad: (h) => `select(0.0, 1.0, ${h} > 0.0)` }
    : { act: (z) => `tanh(${z})`, grad: (h) => `(1.0 - ${h} * ${h})` };
}

/** Unit j's loads: its weight row w_q, bias bj and outgoing weights v_k (W2[k][j]). */
function unitLoads(f: FusedShape): Lines {
  return [
    ...perQuad(f, (q) => `let w_${q} = params[w1 + j * ${f.inputs / 4}u + ${q}u];`),
    `let bj = ld_params(pb + b_off(0u) + j);`,
    ...perOutput(f, (k) => `let v_${k} = ld_params(pb + w_off(1u) + ${k * f.hidden}u + j);`),
  ];
}

/** `let h = act(bj + w . x_b);` for sample b, summed input by input in increasing order. */
function hidden(f: FusedShape, b: number): Lines {
  return [
    `var z = bj;`,
    ...perQuad(f, (q) => `z = fused_dot4(z, w_${q}, x_${b}_${q});`),
    `let h = ${activation(f).act("z")};`,
  ];
}

/** The deltas d_k_b of sample b and its loss added to `loss`: softmax cross-entropy. */
export function crossEntropy(f: FusedHead, b: number): Lines {
  const o = (k: number) => `o_${k}_${b}`;
  // The logit of the label, picked without arithmetic (exactly the value ce_loss reads).
  let target = o(0);
  for (let k = 1; k < f.outputs; k++) target = `select(${target}, ${o(k)}, lab_${b} == ${k}u)`;
  return [
    `let lab_${b} = label_of(p, n_${b});`,
    `var m_${b} = ${o(0)};`,
    `var s_${b} = 1.0;`,
    `var zs_${b} = ${o(0)};`,
    ...range(f.outputs).slice(1).flatMap((k) => [
      `let m2_${k}_${b} = max(m_${b}, ${o(k)});`,
      `s_${b} = s_${b} * exp(m_${b} - m2_${k}_${b}) + exp(${o(k)} - m2_${k}_${b});`,
      `m_${b} = m2_${k}_${b};`,
      `zs_${b} += ${o(k)};`,
    ]),
    ...perOutput(
      f,
      (k) =>
        `let d_${k}_${b} = (exp(${
          o(k)
        } - m_${b}) / s_${b} - select(0.0, 1.0 - smoothing, ${k}u == lab_${b}) - off) * scale;`,
    ),
    `loss += log(s_${b}) + m_${b} - ((1.0 - smoothing) * ${target} + off * zs_${b});`,
  ];
}

/** The deltas d_k_b of sample b and its loss added to `loss`: mean squared error. */
export function meanSquares(f: FusedHead, b: number): Lines {
  return [
    `var l_${b} = 0.0;`,
    ...range(f.outputs).flatMap((k) => [
      `let e_${k}_${b} = o_${k}_${b} - y[n_${b} * u.targetWidth + ${k}u];`,
      `l_${b} += e_${k}_${b} * e_${k}_${b};`,
      `let d_${k}_${b} = 2.0 * e_${k}_${b} / ${f.outputs}.0 * scale;`,
    ]),
    `loss += l_${b} / ${f.outputs}.0;`,
  ];
}

/** Sample b's share of unit j's backward pass: h again, dh, and the gradient sums. */
function backwardSample(f: FusedShape, b: number): string {
  const terms = perOutput(f, (k) => `a += v_${k} * d_${k}_${b};`);
  return wgsl`
    {
      ${hidden(f, b)}
      ${perOutput(f, (k) => `g2_${k} += d_${k}_${b} * h;`)}
      var a = 0.0;
      ${terms}
      let dh = a * ${activation(f).grad("h")};
      gb += dh;
      ${perQuad(f, (q) => `gq_${q} += dh * x_${b}_${q};`)}
    }`;
}

/** `fused_dot4(acc, w, v)`: acc + w . v, summed component by component in order. */
export const FUSED_DOT4 = `// acc + w . v, summed component by component in order.
fn fused_dot4(acc: f32, w: vec4<f32>, v: vec4<f32>) -> f32 {
  return acc + w.x * v.x + w.y * v.y + w.z * v.z + w.w * v.w;
}`;

/** The generated `forward_backward` of a fused shape (see the module doc). */
export function fusedStepWgsl(f: FusedShape): WgslPart {
  const Q = f.inputs / 4;
  const forward = perSample(f, (b) =>
    wgsl`
      {
        ${hidden(f, b)}
        ${perOutput(f, (k) => `o_${k}_${b} += v_${k} * h;`)}
      }`);
  const stores: Lines = [
    ...perQuad(
      f,
      (q) => `params_out[w1 + j * ${Q}u + ${q}u] = ${gradientStore(`gq_${q}`, `w_${q}`)};`,
    ),
    ...perQuad(f, (q) => `sq += dot(gq_${q}, gq_${q});`),
    `st_out(pb + b_off(0u) + j, ${gradientStore("gb", "bj")});`,
    `sq += gb * gb;`,
    ...perOutput(
      f,
      (k) =>
        `st_out(pb + w_off(1u) + ${k * f.hidden}u + j, ${gradientStore(`g2_${k}`, `v_${k}`)});`,
    ),
    ...perOutput(f, (k) => `sq += g2_${k} * g2_${k};`),
  ];
  const outputBias: Lines = perOutput(f, (k) =>
    [
      `var gc_${k} = 0.0;`,
      ...perSample(f, (b) => `gc_${k} += d_${k}_${b};`),
      `st_out(pb + b_off(1u) + ${k}u, ${gradientStore(`gc_${k}`, `c_${k}`)});`,
      `sq += gc_${k} * gc_${k};`,
    ].join("\n"));
  const code = wgsl`
    // Generated by learners/mlp/mlp_fused_wgsl.ts (fused step ${fusedKey(f)}).
    ${storageViews(true, ["params_out", "opt"])}
    ${FUSED_DOT4}
    // Forward, loss and backward of model p on its batch in slot \`slot\` (role r: always 0):
    // returns (summed loss, sum of squares of the stored gradients).
    fn forward_backward(p: u32, slot: u32, kb: u32, r: u32) -> vec2<f32> {
      // The bind group layout keeps every binding of the tiled kernel (without a memory access).
      _ = arrayLength(&scratch);
      _ = arrayLength(&labelMap);
      let pb = p * u.stride;
      let w1 = (pb + w_off(0u)) / 4u;
      ${perSample(f, (b) => `let n_${b} = sample_index(p, slot, ${b}u);`)}
      ${
    perSample(
      f,
      (b) => perQuad(f, (q) => `let x_${b}_${q} = vec4<f32>(x[n_${b} * ${Q}u + ${q}u]);`),
    )
  }
      ${perOutput(f, (k) => `let c_${k} = ld_params(pb + b_off(1u) + ${k}u);`)}
      ${perOutput(f, (k) => perSample(f, (b) => `var o_${k}_${b} = c_${k};`).join("\n"))}
      for (var j = 0u; j < ${f.hidden}u; j++) {
        ${unitLoads(f)}
        ${forward}
      }
      let scale = 1.0 / f32(u.B);
      let smoothing = knobs[kb + KNOB_LABEL_SMOOTHING];
      let off = smoothing / ${f.outputs}.0;
      var loss = 0.0;
      ${perSample(f, (b) => (f.loss === "cross_entropy" ? crossEntropy : meanSquares)(f, b))}
      var sq = 0.0;
      for (var j = 0u; j < ${f.hidden}u; j++) {
        ${unitLoads(f)}
        ${perQuad(f, (q) => `var gq_${q} = vec4<f32>(0.0);`)}
        var gb = 0.0;
        ${perOutput(f, (k) => `var g2_${k} = 0.0;`)}
        ${perSample(f, (b) => backwardSample(f, b))}
        ${stores}
      }
      ${outputBias}
      return vec2<f32>(loss, sq);
    }`;
  return { file: "<generated by learners/mlp/mlp_fused_wgsl.ts: fused train step>", code };
}
