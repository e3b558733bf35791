// Shared snippet: the MLP layout uniform and the forward pass used by train_step and evaluate.
// The including kernel declares, at group 0: `x` (inputs, read), `params` (read or read_write),
// `scratch` (read_write) and the uniform `u: MlpParams`, and defines
// `fn sample_index(p: u32, slot: u32, b: u32) -> u32` (which data-set row sample b reads).
//
// params:  (P, stride) f32, model-major; layer l weights [out][in] at w_off(l), bias at b_off(l).
// scratch: (P, scratchStride) f32; per model
//          [grads: stride][inputs: widths[0]*B][acts: actWidth*B][deltas: actWidth*B].
//          Feature-major rows of B samples: the staged inputs of the batch, then unit j of layer l
//          at row a_off(l) + j of acts (hidden after the nonlinearity, the last layer raw), and its
//          delta dL/dz at the same row of deltas.

const WG: u32 = 64u;

struct MlpParams {
  widths: array<vec4<u32>, 2>, // @0   widths[0..4], unused entries 0
  w_offs: vec4<u32>,           // @32  weight offset of layers 0..3 within a model
  b_offs: vec4<u32>,           // @48  bias offset of layers 0..3
  a_offs: vec4<u32>,           // @64  offset of layer l's outputs within an activation row
  P: u32,                      // @80  models
  L: u32,                      // @84  layers (2..4)
  B: u32,                      // @88  batch size (also the eval chunk)
  stride: u32,                 // @92  params per model incl. padding
  paramCount: u32,             // @96
  actWidth: u32,               // @100 outputs of all layers per sample
  scratchStride: u32,          // @104 stride + (widths[0] + 2*actWidth)*B
  numBatches: u32,             // @108 batch slots per model in the index buffer
  targetWidth: u32,            // @112 1 for labels, outputs for regression
  labelMapWidth: u32,          // @116 0 = labels as stored
  lossKind: u32,               // @120 0 cross-entropy, 1 mse
  actKind: u32,                // @124 0 relu, 1 tanh
  mode: u32,                   // @128 train: 0 update, 1 gradients only; eval: 1 = write outputs
  gridX: u32,                  // @132 workgroups per row of the dispatch grid
  evalCount: u32,              // @136 eval samples per model
  pad0: u32,                   // @140
}

fn width(l: u32) -> u32 { return u.widths[l / 4u][l % 4u]; }
fn w_off(l: u32) -> u32 { return u.w_offs[l]; }
fn b_off(l: u32) -> u32 { return u.b_offs[l]; }
fn a_off(l: u32) -> u32 { return u.a_offs[l]; }

fn activate(z: f32) -> f32 {
  if (u.actKind == 0u) { return max(z, 0.0); }
  return tanh(z);
}

fn activate4(z: vec4<f32>) -> vec4<f32> {
  if (u.actKind == 0u) { return max(z, vec4<f32>(0.0)); }
  return tanh(z);
}

// Derivative of the nonlinearity through its output a.
fn activate_grad(a: f32) -> f32 {
  if (u.actKind == 0u) { return select(0.0, 1.0, a > 0.0); }
  return 1.0 - a * a;
}

// Storage writes by one invocation become visible to the whole workgroup.
fn sync_all() {
  storageBarrier();
  workgroupBarrier();
}

fn model_id(wid: vec3<u32>) -> u32 { return wid.x + wid.y * u.gridX; }

fn inputs_base(p: u32) -> u32 { return p * u.scratchStride + u.stride; }
fn acts_base(p: u32) -> u32 { return inputs_base(p) + width(0u) * u.B; }
fn deltas_base(p: u32) -> u32 { return acts_base(p) + u.actWidth * u.B; }

// Index in scratch of output unit j of layer l (its feature row) for sample 0 of model p.
fn unit_row(p: u32, l: u32, j: u32) -> u32 { return acts_base(p) + (a_off(l) + j) * u.B; }

// Index in scratch of input i of layer l for sample 0: a staged input or the layer below's output.
fn in_row(p: u32, l: u32, i: u32) -> u32 {
  if (l == 0u) { return inputs_base(p) + i * u.B; }
  return unit_row(p, l - 1u, i);
}

// Copies the inputs of samples 0..nb-1 (sample_index(p, slot, b)) into the feature-major rows.
fn stage_inputs(p: u32, slot: u32, nb: u32, tid: u32) {
  let fin = width(0u);
  let base = inputs_base(p);
  for (var e = tid; e < nb * fin; e += WG) {
    let b = e / fin;
    let i = e % fin;
    scratch[base + i * u.B + b] = x[sample_index(p, slot, b) * fin + i];
  }
  sync_all();
}

// Layers narrower than this use the sample-per-invocation mapping in the forward pass.
const NARROW: u32 = 0u;

// Register tiles: an invocation computes 4 rows (the gathered operand) x 8 columns (the broadcast
// operand) of a layer's small matrix product. Rows and columns past the end are clamped for loads
// and skipped for stores.
const TM: u32 = 4u;
const TN: u32 = 8u;

// Forward tile of layer l: units j0..j0+3 for samples b0..b0+7 (z = bias + W[j] . in[b]).
fn forward_tile(p: u32, nb: u32, l: u32, j0: u32, b0: u32) {
  let fin = width(l);
  let fout = width(l + 1u);
  let pb = p * u.stride;
  var wr = array<u32, 4>();
  var bias = vec4<f32>();
  for (var q = 0u; q < TM; q++) {
    let j = min(j0 + q, fout - 1u);
    wr[q] = pb + w_off(l) + j * fin;
    bias[q] = params[pb + b_off(l) + j];
  }
  var acc = array<vec4<f32>, 8>(bias, bias, bias, bias, bias, bias, bias, bias);
  let prev = in_row(p, l, 0u);
  var bc = array<u32, 8>();
  for (var r = 0u; r < TN; r++) { bc[r] = min(b0 + r, nb - 1u); }
  for (var i = 0u; i < fin; i++) {
    let w = vec4<f32>(params[wr[0] + i], params[wr[1] + i], params[wr[2] + i], params[wr[3] + i]);
    let q = prev + i * u.B;
    for (var r = 0u; r < TN; r++) { acc[r] += w * scratch[q + bc[r]]; }
  }
  let last = l + 1u == u.L;
  for (var r = 0u; r < TN; r++) {
    let b = b0 + r;
    if (b < nb) {
      var z = acc[r];
      if (!last) { z = activate4(z); }
      for (var q = 0u; q < TM; q++) {
        if (j0 + q < fout) { scratch[unit_row(p, l, j0 + q) + b] = z[q]; }
      }
    }
  }
}

// Forward of a narrow layer l with invocation t owning samples b = t, t + 64, ...: weights are
// broadcasts, inputs of consecutive samples are contiguous.
fn forward_samples(p: u32, nb: u32, tid: u32, l: u32) {
  let fin = width(l);
  let fout = width(l + 1u);
  let pb = p * u.stride;
  let last = l + 1u == u.L;
  let prev = in_row(p, l, 0u);
  for (var b = tid; b < nb; b += WG) {
    for (var j = 0u; j < fout; j++) {
      let wr = pb + w_off(l) + j * fin;
      var z = params[pb + b_off(l) + j];
      for (var i = 0u; i < fin; i++) { z += params[wr + i] * scratch[prev + i * u.B + b]; }
      scratch[unit_row(p, l, j) + b] = select(activate(z), z, last);
    }
  }
}

// Forward pass of model p on nb samples (sample_index(p, slot, b), b < nb); all invocations call it.
fn mlp_forward(p: u32, slot: u32, nb: u32, tid: u32) {
  stage_inputs(p, slot, nb, tid);
  for (var l = 0u; l < u.L; l++) {
    let fout = width(l + 1u);
    if (fout < NARROW) {
      forward_samples(p, nb, tid, l);
    } else {
      let nj = (fout + TM - 1u) / TM;
      let tiles = nj * ((nb + TN - 1u) / TN);
      for (var t = tid; t < tiles; t += WG) { forward_tile(p, nb, l, (t % nj) * TM, (t / nj) * TN); }
    }
    sync_all();
  }
}

// Label of data-set row n for model p (after the per-model label map), clamped to the outputs.
fn label_of(p: u32, n: u32) -> u32 {
  var c = u32(y[n * u.targetWidth]);
  if (u.labelMapWidth > 0u) { c = labelMap[p * u.labelMapWidth + c]; }
  return min(c, width(u.L) - 1u);
}

// Loss of one sample whose outputs sit at o + j*stride; with d != 0xffffffff writes dL/dz * scale
// to d + j*stride. Cross-entropy: log-sum-exp minus the label's logit; mse: mean of (o - t)^2.
fn sample_loss(p: u32, n: u32, o: u32, d: u32, stride: u32, scale: f32) -> f32 {
  let k = width(u.L);
  if (u.lossKind == 0u) {
    let label = label_of(p, n);
    var m = scratch[o];
    for (var j = 1u; j < k; j++) { m = max(m, scratch[o + j * stride]); }
    var s = 0.0;
    for (var j = 0u; j < k; j++) { s += exp(scratch[o + j * stride] - m); }
    if (d != 0xffffffffu) {
      for (var j = 0u; j < k; j++) {
        let sm = exp(scratch[o + j * stride] - m) / s;
        scratch[d + j * stride] = (sm - select(0.0, 1.0, j == label)) * scale;
      }
    }
    return log(s) + m - scratch[o + label * stride];
  }
  var loss = 0.0;
  for (var j = 0u; j < k; j++) {
    let diff = scratch[o + j * stride] - y[n * u.targetWidth + j];
    loss += diff * diff;
    if (d != 0xffffffffu) { scratch[d + j * stride] = 2.0 * diff / f32(k) * scale; }
  }
  return loss / f32(k);
}
