// Shared snippet: the MLP layout uniform and the forward pass used by train_step and evaluate.
// The including kernel declares, at group 0: `x` (inputs, read), `params` (read or read_write),
// `scratch` (read_write) and the uniform `u: MlpParams`, and defines
// `fn sample_index(p: u32, slot: u32, b: u32) -> u32` (which data-set row sample b reads).
//
// params:  (P, stride) f32, model-major; layer l weights [out][in] at w_off(l), bias at b_off(l).
// scratch: (P, scratchStride) f32; per model [grads: stride][acts: B*actWidth][deltas: B*actWidth].
//          acts row b holds every layer's outputs (hidden after the nonlinearity, last layer raw).

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
  scratchStride: u32,          // @104 stride + 2*B*actWidth
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

fn acts_base(p: u32) -> u32 { return p * u.scratchStride + u.stride; }
fn deltas_base(p: u32) -> u32 { return p * u.scratchStride + u.stride + u.B * u.actWidth; }

// Forward pass of model p on nb samples (sample_index(p, slot, b), b < nb); all invocations call it.
fn mlp_forward(p: u32, slot: u32, nb: u32, tid: u32) {
  let pb = p * u.stride;
  let ab = acts_base(p);
  for (var l = 0u; l < u.L; l++) {
    let fin = width(l);
    let fout = width(l + 1u);
    let wo = pb + w_off(l);
    let bo = pb + b_off(l);
    let last = l + 1u == u.L;
    for (var e = tid; e < nb * fout; e += WG) {
      let b = e / fout;
      let j = e % fout;
      let wr = wo + j * fin;
      var z = params[bo + j];
      if (l == 0u) {
        let xr = sample_index(p, slot, b) * fin;
        for (var i = 0u; i < fin; i++) { z += params[wr + i] * x[xr + i]; }
      } else {
        let ar = ab + b * u.actWidth + a_off(l - 1u);
        for (var i = 0u; i < fin; i++) { z += params[wr + i] * scratch[ar + i]; }
      }
      scratch[ab + b * u.actWidth + a_off(l) + j] = select(activate(z), z, last);
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

// Loss of sample b (outputs in acts); with `d_base` != 0xffffffff writes dL/dz * scale there.
fn sample_loss(p: u32, n: u32, o_base: u32, d_base: u32, scale: f32) -> f32 {
  let k = width(u.L);
  if (u.lossKind == 0u) {
    let label = label_of(p, n);
    var m = scratch[o_base];
    for (var j = 1u; j < k; j++) { m = max(m, scratch[o_base + j]); }
    var s = 0.0;
    for (var j = 0u; j < k; j++) { s += exp(scratch[o_base + j] - m); }
    if (d_base != 0xffffffffu) {
      for (var j = 0u; j < k; j++) {
        let sm = exp(scratch[o_base + j] - m) / s;
        scratch[d_base + j] = (sm - select(0.0, 1.0, j == label)) * scale;
      }
    }
    return log(s) + m - scratch[o_base + label];
  }
  var loss = 0.0;
  for (var j = 0u; j < k; j++) {
    let diff = scratch[o_base + j] - y[n * u.targetWidth + j];
    loss += diff * diff;
    if (d_base != 0xffffffffu) { scratch[d_base + j] = 2.0 * diff / f32(k) * scale; }
  }
  return loss / f32(k);
}
