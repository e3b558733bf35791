/**
 * The WGSL of the two-hidden-layer fused train step (mlp_fused2.ts): `forward_backward(p, slot, kb,
 * r)`, which shaders/train_step.wgsl calls for a model's forward pass, loss and backward pass,
 * returning the batch's summed loss and the sum of squares of the gradients it stored.
 *
 * One invocation per model; I inputs, H and K hidden units, O outputs, B samples, R units per chunk
 * (Fused2Shape.chunk). Every product is a loop over the quads of its shared dimension (not
 * unrolled) with all B samples of R output units accumulated in named registers a_r_b; per step it
 * loads one vec4 per sample and one per unit. A hidden layer runs one such loop per chunk of R
 * units (a loop over the chunks, not unrolled), so the generated code holds one chunk's worth:
 *   layer 1   a = b1 + W1 x_b over input quads; act(a) stored to scratch region h1 (vec4 rows of
 *             each sample's H units)
 *   layer 2   the same from h1 into region h2
 *   layer 3   o_k_b = b3[k] + W3[k] . h2_b for all O outputs (registers)
 *   loss      d_k_b = dL/do_k_b / B (shaders/_mlp.wgsl's ce_loss and mse_loss)
 *   back 3    over quads of K: W3's gradient; h2's deltas (W3^T d) * act'(h2) stored over h2;
 *             b2's gradient
 *   back 2    per chunk of K units (their deltas in registers), over quads of H: W2's gradient
 *             sum_b dz2_r_b h1_b, and W2^T dz2 added to region e chunk by chunk
 *   then      h1's deltas e * act'(h1) stored over e; b1's gradient
 *   back 1    per chunk of H units, over input quads: W1's gradient sum_b dz1_r_b x_b
 * Each gradient is stored once (or, for a model whose SGD step is fused, the updated parameter:
 * gradientStore). Few accesses per step keep the generated code small: lavapipe's compile time
 * grows faster than linearly with the accesses in the code (each one a loop over the SIMD lanes).
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

/** A scratch region of vec4 rows: the activations h1 and h2, and e (h1's deltas, summed). */
type Region = "h1" | "h2" | "e";

/** Scratch vec4 index of quad q of sample b's row in a region (rows of H, K and H units). */
function rowAt(f: Fused2Shape, at: Region, b: number, q: string): string {
  const [B, HQ, KQ] = [f.batch, f.hidden1 / 4, f.hidden2 / 4];
  const first = { h1: 0, h2: B * HQ, e: B * (HQ + KQ) }[at];
  return `sb + ${first + b * (at === "h2" ? KQ : HQ)}u + ${q}`;
}

/** A hidden layer's product, run in chunks of `chunk` output units (see chunkedLayer). */
interface HiddenLayer {
  /** WGSL bound of the layer's units' quads (a multiple of the chunk's). */
  rowQuads: string;
  /** Quads of the shared dimension: WGSL bound and the weights' row stride in vec4. */
  quads: string;
  stride: number;
  /** vec4 indices of the weights and biases; the region the activations go to. */
  weights: string;
  bias: string;
  out: Region;
  /** Sample b's input quad s. */
  input: (b: number) => string;
}

/**
 * A hidden layer: a loop over chunks of `chunk` units (quad c0 of the layer's units first), each a
 * product loop with chunk x B accumulators a_r_b started at the biases, then act() stored as vec4
 * rows of region `out`.
 */
function chunkedLayer(f: Fused2Shape, l: HiddenLayer): Lines {
  const RQ = f.chunk / 4;
  const z = (q: number, b: number) => range(4).map((c) => `a_${4 * q + c}_${b}`).join(", ");
  return [
    `for (var c0 = 0u; c0 < ${l.rowQuads}; c0 += ${RQ}u) {`,
    `  let wr = ${l.weights} + c0 * ${4 * l.stride}u;`,
    ...each(RQ, (q) => `  let bq_${q} = params[${l.bias} + c0 + ${q}u];`),
    ...each(f.chunk, (r) => each(f.batch, (b) => `  var a_${r}_${b} = ${lane("bq", r)};`)),
    ...product(
      f,
      { acc: "a", rows: f.chunk, quads: l.quads },
      l.input,
      (r) => `params[wr + ${r * l.stride}u + s]`,
    ).map((line) => `  ${line}`),
    ...each(f.batch, (b) =>
      each(
        RQ,
        (q) => `  scratch[${rowAt(f, l.out, b, `c0 + ${q}u`)}] = act4(vec4<f32>(${z(q, b)}));`,
      )),
    `}`,
  ];
}

/** The forward pass: both hidden layers into scratch, then the outputs o_k_b. */
function forward(f: Fused2Shape): Lines {
  const [Q, HQ, KQ] = [f.inputs / 4, f.hidden1 / 4, f.hidden2 / 4];
  return [
    ...chunkedLayer(f, {
      rowQuads: "nq1",
      quads: "nq0",
      stride: Q,
      weights: "w1",
      bias: "b1",
      out: "h1",
      input: (b) => `vec4<f32>(x[n_${b} * ${Q}u + s])`,
    }),
    ...chunkedLayer(f, {
      rowQuads: "nq2",
      quads: "nq1",
      stride: HQ,
      weights: "w2",
      bias: "b2",
      out: "h2",
      input: (b) => `scratch[${rowAt(f, "h1", b, "s")}]`,
    }),
    ...each(f.outputs, (k) => [
      `let c_${k} = ld_params(pb + b_off(2u) + ${k}u);`,
      ...each(f.batch, (b) => `var o_${k}_${b} = c_${k};`),
    ]),
    ...product(
      f,
      { acc: "o", rows: f.outputs, quads: "nq2" },
      (b) => `scratch[${rowAt(f, "h2", b, "s")}]`,
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
    ...each(f.batch, (b) => `  let h_${b} = scratch[${rowAt(f, "h2", b, "s")}];`),
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
      `  scratch[${rowAt(f, "h2", b, "s")}] = dz_${b};`,
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

/** A weight-gradient loop of one hidden layer (see chunkedGradient). */
interface GradientLayer {
  /** WGSL bound of the units' quads, and of the shared dimension's quads; weights' vec4 stride. */
  rowQuads: string;
  quads: string;
  stride: number;
  /** vec4 index of the weights; the region of the units' deltas; sample b's input quad s. */
  weights: string;
  deltas: Region;
  input: (b: number) => string;
  /** With `sumDeltas`, also e_b += W^T dz over the chunk's units, kept in region e (layer 2). */
  sumDeltas: boolean;
}

/**
 * A hidden layer's weight gradient in chunks of `chunk` units: each chunk's deltas (vec4 rows of
 * region `deltas`) are loaded into dzq_q_b, then a loop over the shared quads stores each gradient
 * quad sum_b dz_r_b in_b (or the updated parameter) once. With `sumDeltas` the loop also adds the
 * chunk's share of W^T dz to region e (chunk by chunk, so the units are summed in order).
 */
function chunkedGradient(f: Fused2Shape, l: GradientLayer): Lines {
  const RQ = f.chunk / 4;
  const samples = range(f.batch);
  const dz = (r: number, b: number) => lane("dzq", r, `_${b}`);
  return [
    `for (var c0 = 0u; c0 < ${l.rowQuads}; c0 += ${RQ}u) {`,
    `  let wr = ${l.weights} + c0 * ${4 * l.stride}u;`,
    ...each(
      f.batch,
      (b) =>
        each(RQ, (q) => `  let dzq_${q}_${b} = scratch[${rowAt(f, l.deltas, b, `c0 + ${q}u`)}];`),
    ),
    `  for (var s = 0u; s < ${l.quads}; s++) {`,
    ...each(f.batch, (b) => `    let in_${b} = ${l.input(b)};`),
    ...(l.sumDeltas
      ? each(
        f.batch,
        (b) =>
          `    var e_${b} = select(vec4<f32>(0.0), scratch[${rowAt(f, "e", b, "s")}], c0 > 0u);`,
      )
      : []),
    ...each(f.chunk, (r) => [
      `    let wq_${r} = params[wr + ${r * l.stride}u + s];`,
      `    let g_${r} = ${sum(samples.map((b) => `${dz(r, b)} * in_${b}`))};`,
      `    params_out[wr + ${r * l.stride}u + s] = ${gradientStore(`g_${r}`, `wq_${r}`)};`,
      `    sq += dot(g_${r}, g_${r});`,
      ...(l.sumDeltas ? each(f.batch, (b) => `    e_${b} += wq_${r} * ${dz(r, b)};`) : []),
    ]),
    ...(l.sumDeltas ? each(f.batch, (b) => `    scratch[${rowAt(f, "e", b, "s")}] = e_${b};`) : []),
    `  }`,
    `}`,
  ];
}

/** Back through layers 2 and 1 (see the module doc). */
function backward21(f: Fused2Shape): Lines {
  const [Q, HQ] = [f.inputs / 4, f.hidden1 / 4];
  const samples = range(f.batch);
  return [
    ...chunkedGradient(f, {
      rowQuads: "nq2",
      quads: "nq1",
      stride: HQ,
      weights: "w2",
      deltas: "h2",
      input: (b) => `scratch[${rowAt(f, "h1", b, "s")}]`,
      sumDeltas: true,
    }),
    // h1's deltas: e * act'(h1), in place of e; b1's gradient.
    `for (var s = 0u; s < nq1; s++) {`,
    ...each(f.batch, (b) => [
      `  let dz_${b} = scratch[${rowAt(f, "e", b, "s")}] * grad4(scratch[${
        rowAt(f, "h1", b, "s")
      }]);`,
      `  scratch[${rowAt(f, "e", b, "s")}] = dz_${b};`,
    ]),
    `  let bq = params[b1 + s];`,
    `  let gb = ${sum(samples.map((b) => `dz_${b}`))};`,
    `  params_out[b1 + s] = ${gradientStore("gb", "bq")};`,
    `  sq += dot(gb, gb);`,
    `}`,
    ...chunkedGradient(f, {
      rowQuads: "nq1",
      quads: "nq0",
      stride: Q,
      weights: "w1",
      deltas: "e",
      input: (b) => `vec4<f32>(x[n_${b} * ${Q}u + s])`,
      sumDeltas: false,
    }),
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
