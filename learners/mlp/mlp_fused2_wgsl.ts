/**
 * The WGSL of the two-hidden-layer fused train step (mlp_fused2.ts): `forward_backward(p, slot, kb,
 * r)`, which shaders/train_step.wgsl calls for a model's forward pass, loss and backward pass,
 * returning the batch's summed loss and the sum of squares of the gradients it stored.
 *
 * One invocation per model; I inputs, H and K hidden units, O outputs, B samples (every loop over
 * units and samples unrolled, named registers a_j_b). Each product is one loop over the quads of
 * its shared dimension (not unrolled), with every output of the whole batch accumulated in
 * registers; per step it loads one vec4 per sample and one per output unit:
 *   layer 1   a_j_b = b1[j] + W1[j] . x_b             loop over input quads q (x_b_q, W1[j][q])
 *   layer 2   a_k_b = b2[k] + W2[k] . h1_b            loop over quads of H (h1 from scratch)
 *   layer 3   o_k_b = b3[k] + W3[k] . h2_b            loop over quads of K (h2 from scratch)
 *   loss      d_k_b = dL/do_k_b / B (shaders/_mlp.wgsl's ce_loss and mse_loss)
 *   back 3    over quads of K: W3's gradient; the deltas of h2, stored over h2; b2's gradient
 *   back 2    over quads of H: W2's gradient, sum_b dz2_k_b h1_b; the deltas of h1 (W2^T dz2),
 *             stored over h1; b1's gradient
 *   back 1    over input quads: W1's gradient, sum_b dz1_j_b x_b
 * The hidden activations go through `scratch` once each way (as vec4 rows of each sample), so the
 * registers live across a loop are one layer's B x width values: the unrolled code stays small
 * enough for lavapipe to compile in seconds. Each gradient is stored once (or, for a model whose SGD
 * step is fused, the updated parameter: gradientStore).
 * @module
 */
import type { WgslPart } from "../../core/pipelines.ts";
import { fused2Key, type Fused2Shape } from "./mlp_fused2.ts";
import { crossEntropy, FUSED_DOT4, meanSquares } from "./mlp_fused_wgsl.ts";
import { range } from "./mlp_tiles.ts";
import { storageViews } from "./storage_views_wgsl.ts";
import { gradientStore, type Lines, wgsl } from "./wgsl_template.ts";

const C = ["x", "y", "z", "w"];

/** Lines for every index below n. */
const each = (n: number, line: (i: number) => string | Lines): Lines => range(n).flatMap(line);

/** A sum of terms in order (the first term alone when there is one). */
const sum = (terms: string[]): string => terms.reduce((acc, t) => `${acc} + ${t}`);

/** Component j % 4 of quad `name`_{j / 4}`suffix`. */
const lane = (name: string, j: number, suffix = "") => `${name}_${j >> 2}${suffix}.${C[j & 3]}`;

/** The nonlinearity and its derivative through the output (WGSL functions). */
function activation(f: Fused2Shape): string {
  return f.activation === "relu"
    ? wgsl`
      fn act4(z: vec4<f32>) -> vec4<f32> { return max(z, vec4<f32>(0.0)); }
      fn grad4(h: vec4<f32>) -> vec4<f32> { return select(vec4<f32>(0.0), vec4<f32>(1.0), h > vec4<f32>(0.0)); }`
    : wgsl`
      fn act4(z: vec4<f32>) -> vec4<f32> { return tanh(z); }
      fn grad4(h: vec4<f32>) -> vec4<f32> { return 1.0 - h * h; }`;
}

/**
 * A product loop: `rows` x B accumulators `acc`_r_b (declared before, initialised), summed over
 * `quads` steps of the shared dimension; per step `input(b)` is sample b's vec4 and `weight(r)`
 * row r's (WGSL expressions of the loop counter s).
 */
function product(
  f: Fused2Shape,
  o: { acc: string; rows: number; quads: string },
  input: (b: number) => string,
  weight: (r: number) => string,
): Lines {
  return [
    `for (var s = 0u; s < ${o.quads}; s++) {`,
    ...each(f.batch, (b) => `  let in_${b} = ${input(b)};`),
    ...each(o.rows, (r) => [
      `  let wq_${r} = ${weight(r)};`,
      ...each(
        f.batch,
        (b) => `  ${o.acc}_${r}_${b} = fused_dot4(${o.acc}_${r}_${b}, wq_${r}, in_${b});`,
      ),
    ]),
    `}`,
  ];
}

/** Scratch vec4 index of quad q of sample b's row in region `at` of `width`-unit rows. */
const rowAt = (f: Fused2Shape, at: "h1" | "h2", width: number, b: number, q: string) =>
  `sb + ${(at === "h1" ? 0 : f.batch * f.hidden1 / 4) + b * width / 4}u + ${q}`;

/** Stores the activations act(a_j_b) of a hidden layer of `width` units as vec4 rows. */
function storeActivations(f: Fused2Shape, at: "h1" | "h2", width: number): Lines {
  return each(f.batch, (b) =>
    each(width / 4, (q) => {
      const z = range(4).map((c) => `a${at}_${4 * q + c}_${b}`).join(", ");
      return `scratch[${rowAt(f, at, width, b, `${q}u`)}] = act4(vec4<f32>(${z}));`;
    }));
}

/** The forward pass: both hidden layers into scratch, then the outputs o_k_b. */
function forward(f: Fused2Shape): Lines {
  const [Q, HQ, KQ] = [f.inputs / 4, f.hidden1 / 4, f.hidden2 / 4];
  return [
    ...each(HQ, (q) => `let b1q_${q} = params[b1 + ${q}u];`),
    ...each(f.hidden1, (j) => each(f.batch, (b) => `var ah1_${j}_${b} = ${lane("b1q", j)};`)),
    ...product(
      f,
      { acc: "ah1", rows: f.hidden1, quads: "nq0" },
      (b) => `vec4<f32>(x[n_${b} * ${Q}u + s])`,
      (j) => `params[w1 + ${j * Q}u + s]`,
    ),
    ...storeActivations(f, "h1", f.hidden1),
    ...each(KQ, (q) => `let b2q_${q} = params[b2 + ${q}u];`),
    ...each(f.hidden2, (k) => each(f.batch, (b) => `var ah2_${k}_${b} = ${lane("b2q", k)};`)),
    ...product(
      f,
      { acc: "ah2", rows: f.hidden2, quads: "nq1" },
      (b) => `scratch[${rowAt(f, "h1", f.hidden1, b, "s")}]`,
      (k) => `params[w2 + ${k * HQ}u + s]`,
    ),
    ...storeActivations(f, "h2", f.hidden2),
    ...each(f.outputs, (k) => [
      `let c_${k} = ld_params(pb + b_off(2u) + ${k}u);`,
      ...each(f.batch, (b) => `var o_${k}_${b} = c_${k};`),
    ]),
    ...product(
      f,
      { acc: "o", rows: f.outputs, quads: "nq2" },
      (b) => `scratch[${rowAt(f, "h2", f.hidden2, b, "s")}]`,
      (k) => `params[w3 + ${k * KQ}u + s]`,
    ),
  ];
}

/**
 * Back through layer 3 (loop over quads of K): W3's gradient, the deltas of h2 stored over h2,
 * b2's gradient; then b3's.
 */
function backward3(f: Fused2Shape): Lines {
  const KQ = f.hidden2 / 4;
  const samples = range(f.batch);
  return [
    `for (var s = 0u; s < nq2; s++) {`,
    ...each(f.batch, (b) => `  let h_${b} = scratch[${rowAt(f, "h2", f.hidden2, b, "s")}];`),
    ...each(f.outputs, (k) => [
      `  let wq_${k} = params[w3 + ${k * KQ}u + s];`,
      `  let g_${k} = ${sum(samples.map((b) => `d_${k}_${b} * h_${b}`))};`,
      `  params_out[w3 + ${k * KQ}u + s] = ${gradientStore(`g_${k}`, `wq_${k}`)};`,
      `  sq += dot(g_${k}, g_${k});`,
    ]),
    ...each(f.batch, (b) => [
      `  let dz_${b} = (${
        sum(range(f.outputs).map((k) => `wq_${k} * d_${k}_${b}`))
      }) * grad4(h_${b});`,
      `  scratch[${rowAt(f, "h2", f.hidden2, b, "s")}] = dz_${b};`,
    ]),
    `  let bq = params[b2 + s];`,
    `  let gb = ${sum(samples.map((b) => `dz_${b}`))};`,
    `  params_out[b2 + s] = ${gradientStore("gb", "bq")};`,
    `  sq += dot(gb, gb);`,
    `}`,
    ...each(f.outputs, (k) => [
      `let gc_${k} = ${sum(samples.map((b) => `d_${k}_${b}`))};`,
      `st_out(pb + b_off(2u) + ${k}u, ${gradientStore(`gc_${k}`, `c_${k}`)});`,
      `sq += gc_${k} * gc_${k};`,
    ]),
  ];
}

/** Lines a gradient loop runs per step: first, per row r (after its store), and last. */
interface StepLines {
  first: Lines;
  row: (r: number) => Lines;
  last: Lines;
}

/**
 * A weight-gradient loop whose deltas (`rows` units, loaded before as dzq quads) stay in
 * registers: over `quads` steps, per row the gradient quad sum_b dz_r_b in_b is stored (`weight`:
 * the parameter's vec4 index), with the loaded parameter quad in wq_r.
 */
function gradientLoop(
  f: Fused2Shape,
  o: { rows: number; quads: string },
  input: (b: number) => string,
  weight: (r: number) => string,
  more: StepLines = { first: [], row: () => [], last: [] },
): Lines {
  const samples = range(f.batch);
  return [
    `for (var s = 0u; s < ${o.quads}; s++) {`,
    ...each(f.batch, (b) => `  let in_${b} = ${input(b)};`),
    ...more.first.map((l) => `  ${l}`),
    ...each(o.rows, (r) => [
      `  let wq_${r} = params[${weight(r)}];`,
      `  let g_${r} = ${sum(samples.map((b) => `${lane("dzq", r, `_${b}`)} * in_${b}`))};`,
      `  params_out[${weight(r)}] = ${gradientStore(`g_${r}`, `wq_${r}`)};`,
      `  sq += dot(g_${r}, g_${r});`,
      ...more.row(r).map((l) => `  ${l}`),
    ]),
    ...more.last.map((l) => `  ${l}`),
    `}`,
  ];
}

/** Loads the deltas of a hidden layer of `width` units (vec4 rows of `at`) as dzq_q_b. */
const loadDeltas = (f: Fused2Shape, at: "h1" | "h2", width: number): Lines =>
  each(
    f.batch,
    (b) =>
      each(width / 4, (q) => `let dzq_${q}_${b} = scratch[${rowAt(f, at, width, b, `${q}u`)}];`),
  );

/** Back through layers 2 and 1 (see the module doc). */
function backward21(f: Fused2Shape): Lines {
  const [Q, HQ] = [f.inputs / 4, f.hidden1 / 4];
  const samples = range(f.batch);
  const layer2 = gradientLoop(
    f,
    { rows: f.hidden2, quads: "nq1" },
    (b) => `scratch[${rowAt(f, "h1", f.hidden1, b, "s")}]`,
    (k) => `w2 + ${k * HQ}u + s`,
    {
      // The deltas of h1's quad s, (W2^T dz2)_b, summed over the units k in order.
      first: each(f.batch, (b) => `var e_${b} = vec4<f32>(0.0);`),
      row: (k) => each(f.batch, (b) => `e_${b} += wq_${k} * ${lane("dzq", k, `_${b}`)};`),
      last: [
        ...each(f.batch, (b) => [
          `let dz_${b} = e_${b} * grad4(in_${b});`,
          `scratch[${rowAt(f, "h1", f.hidden1, b, "s")}] = dz_${b};`,
        ]),
        `let bq = params[b1 + s];`,
        `let gb = ${sum(samples.map((b) => `dz_${b}`))};`,
        `params_out[b1 + s] = ${gradientStore("gb", "bq")};`,
        `sq += dot(gb, gb);`,
      ],
    },
  );
  return [
    `{`,
    ...loadDeltas(f, "h2", f.hidden2).map((l) => `  ${l}`),
    ...layer2.map((l) => `  ${l}`),
    `}`,
    `{`,
    ...loadDeltas(f, "h1", f.hidden1).map((l) => `  ${l}`),
    ...gradientLoop(
      f,
      { rows: f.hidden1, quads: "nq0" },
      (b) => `vec4<f32>(x[n_${b} * ${Q}u + s])`,
      (j) => `w1 + ${j * Q}u + s`,
    ).map((l) => `  ${l}`),
    `}`,
  ];
}

/**
 * The train step's vec4 storage views of `params` and `scratch` (whatever the evaluate kernel's
 * tiles use) and an empty `forward_layer`: with the fused step nothing calls the tiled forward pass
 * of shaders/_mlp.wgsl, which still needs the name.
 */
export function fused2ViewsWgsl(f: Fused2Shape): WgslPart {
  const code = wgsl`
    // Generated by learners/mlp/mlp_fused2_wgsl.ts (views of the fused step ${fused2Key(f)}).
    ${storageViews(true, ["params", "scratch"])}
    fn forward_layer(p: u32, slot: u32, nb: u32, l: u32, r: u32) {}`;
  return { file: "<generated by learners/mlp/mlp_fused2_wgsl.ts: vec4 views>", code };
}

/** The generated `forward_backward` of a two-hidden-layer fused shape (see the module doc). */
export function fused2StepWgsl(f: Fused2Shape): WgslPart {
  const code = wgsl`
    // Generated by learners/mlp/mlp_fused2_wgsl.ts (fused step ${fused2Key(f)}).
    ${storageViews(true, ["params_out", "opt"])}
    ${FUSED_DOT4}
    ${activation(f)}
    // Forward, loss and backward of model p on its batch in slot \`slot\` (role r: always 0):
    // returns (summed loss, sum of squares of the stored gradients).
    fn forward_backward(p: u32, slot: u32, kb: u32, r: u32) -> vec2<f32> {
      _ = arrayLength(&labelMap);
      let pb = p * u.stride;
      // vec4 indices of W1, b1, W2, b2 and W3 (every offset is a multiple of 4), and of the
      // model's first whole vec4 of scratch (h1 rows, then h2 rows: B x (H + K) <= scratchStride - 3).
      let w1 = (pb + w_off(0u)) / 4u;
      let b1 = (pb + b_off(0u)) / 4u;
      let w2 = (pb + w_off(1u)) / 4u;
      let b2 = (pb + b_off(1u)) / 4u;
      let w3 = (pb + w_off(2u)) / 4u;
      let sb = (p * u.scratchStride + 3u) / 4u;
      // Quads of the inputs and of the hidden layers: the loop bounds are read from the uniform
      // (equal to the compile-time sizes) so that the shader compiler does not unroll the loops.
      let nq0 = width(0u) / 4u;
      let nq1 = width(1u) / 4u;
      let nq2 = width(2u) / 4u;
      ${each(f.batch, (b) => `let n_${b} = sample_index(p, slot, ${b}u);`)}
      var sq = 0.0;
      ${forward(f)}
      let scale = 1.0 / f32(u.B);
      let smoothing = knobs[kb + KNOB_LABEL_SMOOTHING];
      let off = smoothing / ${f.outputs}.0;
      var loss = 0.0;
      ${each(f.batch, (b) => (f.loss === "cross_entropy" ? crossEntropy : meanSquares)(f, b))}
      ${backward3(f)}
      ${backward21(f)}
      return vec2<f32>(loss, sq);
    }`;
  return {
    file: "<generated by learners/mlp/mlp_fused2_wgsl.ts: two-hidden-layer fused step>",
    code,
  };
}
