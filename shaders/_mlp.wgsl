// Shared snippet: the MLP layout parameters, the forward pass, the losses and the reduction over
// roles used by train_step and evaluate. The including kernel declares, at group 0: `x` (inputs,
// read, of the generated type InputT), `params` (read or read_write), `scratch` (read_write) and
// the parameters `u: MlpParams` (private copy), and defines
// `fn sample_index(p: u32, slot: u32, b: u32) -> u32` (which data-set row sample b reads). The
// register tiles of the layers' products, `forward_layer` among them, are generated per layer shape
// by learners/mlp/mlp_tiles_wgsl.ts (planned in mlp_tiles.ts) and composed with this file;
// `metaforge kernels --dump SHAPE` prints a composed kernel.
//
// params:  (P, stride) f32, model-major; layer l weights [out][in] at w_off(l), bias at b_off(l).
// scratch: (P, scratchStride) f32; per model [acts: actRows*B][deltas: actRows*B].
//          Feature-major rows of B samples: unit j of layer l at row a_off(l) + j of acts (hidden
//          after the nonlinearity, the last layer raw), and its delta dL/dz at the same row of
//          deltas. The first layer reads its inputs from `x` directly (no staged copy), and the
//          bias gradient is the weight gradient of a constant input 1.

// A workgroup serves MPG models with ROLES invocations each (WG = MPG * ROLES): invocation tid works
// for model tid % MPG in role tid / MPG, so the invocations of one SIMD group can be different
// models doing the same work. MPG and ROLES (powers of two) are compile-time constants prepended
// by the TypeScript wrapper (mlpWorkgroupWgsl): 1 x 64 on GPUs, 8 models on a software adapter.
// Populations are padded to a multiple of MPG models.

struct MlpParams {
  widths: array<vec4<u32>, 2>, // @0   widths[0..4], unused entries 0
  w_offs: vec4<u32>,           // @32  weight offset of layers 0..3 within a model
  b_offs: vec4<u32>,           // @48  bias offset of layers 0..3
  a_offs: vec4<u32>,           // @64  first activation row of layer l's outputs
  P: u32,                      // @80  models
  L: u32,                      // @84  layers (2..4)
  B: u32,                      // @88  batch size (also the eval chunk)
  stride: u32,                 // @92  params per model incl. padding
  paramCount: u32,             // @96
  actRows: u32,                // @100 activation rows: sum of widths[l+1]
  scratchStride: u32,          // @104 2*actRows*B
  numBatches: u32,             // @108 batch slots per model in the index buffer
  targetWidth: u32,            // @112 1 for labels, outputs for regression
  labelMapWidth: u32,          // @116 0 = labels as stored
  lossKind: u32,               // @120 0 cross-entropy, 1 mse
  actKind: u32,                // @124 0 relu, 1 tanh
  mode: u32,                   // @128 train: 0 update, 1 gradients only; eval: 1 = write outputs
  gridX: u32,                  // @132 workgroups per row of the dispatch grid
  evalCount: u32,              // @136 eval samples per model
  evalStart: u32,              // @140 first eval sample of this dispatch (a multiple of B)
  evalEnd: u32,                // @144 end of this dispatch's eval samples
  pad0: u32,                   // @148
  pad1: u32,                   // @152
  pad2: u32,                   // @156
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

// activate_grad of 4 outputs.
fn activate_grad4(a: vec4<f32>) -> vec4<f32> {
  if (u.actKind == 0u) { return select(vec4<f32>(0.0), vec4<f32>(1.0), a > vec4<f32>(0.0)); }
  return 1.0 - a * a;
}

// Storage writes by one invocation become visible to the whole workgroup. With one invocation per
// model (ROLES = 1) a model's data never crosses invocations, and no barrier is needed.
fn sync_all() {
  if (ROLES > 1u) {
    storageBarrier();
    workgroupBarrier();
  }
}

// Workgroup-memory writes become visible to the whole workgroup (none needed when ROLES = 1).
fn sync_shared() {
  if (ROLES > 1u) { workgroupBarrier(); }
}

// Per-invocation partial sums of the kernels' reductions over the roles of a model.
var<workgroup> red_a: array<f32, WG>;
var<workgroup> red_b: array<f32, WG>;

// Sums red_a and red_b over the roles of each model (slot tid = r * MPG + m), once every role has
// written its partial sums and synced: the totals end in red_a[m] and red_b[m].
fn sum_over_roles(tid: u32, r: u32) {
  for (var s = ROLES / 2u; s > 0u; s = s / 2u) {
    if (r < s) {
      red_a[tid] += red_a[tid + s * MPG];
      red_b[tid] += red_b[tid + s * MPG];
    }
    sync_shared();
  }
}

// First model of the workgroup.
fn group_id(wid: vec3<u32>) -> u32 { return (wid.x + wid.y * u.gridX) * MPG; }

// Model p's region of scratch: in the storage buffer, or (SCRATCH_LOCAL, the train step's
// workgroup scratch of learners/mlp/scratch_wgsl.ts) in the workgroup's memory, by its place in
// the workgroup.
fn acts_base(p: u32) -> u32 { return select(p, p % MPG, SCRATCH_LOCAL) * u.scratchStride; }
fn deltas_base(p: u32) -> u32 { return acts_base(p) + u.actRows * u.B; }

// Index in scratch of output unit j of layer l (its feature row) for sample 0 of model p.
fn unit_row(p: u32, l: u32, j: u32) -> u32 { return acts_base(p) + (a_off(l) + j) * u.B; }

// Forward pass of model p on nb samples (sample_index(p, slot, b), b < nb); every role calls it.
fn mlp_forward(p: u32, slot: u32, nb: u32, r: u32) {
  for (var l = 0u; l < u.L; l++) {
    forward_layer(p, slot, nb, l, r);
    sync_all();
  }
}

// Label of data-set row n for model p (after the per-model label map), clamped to the outputs.
fn label_of(p: u32, n: u32) -> u32 {
  var c = u32(y[n * u.targetWidth]);
  if (u.labelMapWidth > 0u) { c = labelMap[p * u.labelMapWidth + c]; }
  return min(c, width(u.L) - 1u);
}

// Loss of one sample whose outputs sit at o + j*stride, and its first arg-max output.
struct SampleLoss {
  loss: f32,
  best: u32,
}

// Softmax cross-entropy of one sample with a one-pass running max, against the target
// (1 - smoothing) * onehot(label) + smoothing / k (label smoothing; 0 = plain cross-entropy):
// log-sum-exp minus the target-weighted logits. With d != NO_DELTA writes dL/dz * scale.
fn ce_loss(p: u32, n: u32, o: u32, d: u32, stride: u32, scale: f32, smoothing: f32) -> SampleLoss {
  let k = width(u.L);
  var m = ld_scratch(o);
  var s = 1.0;
  var best = 0u;
  var zsum = m;
  for (var j = 1u; j < k; j++) {
    let z = ld_scratch(o + j * stride);
    let m2 = max(m, z);
    s = s * exp(m - m2) + exp(z - m2);
    best = select(best, j, z > m);
    m = m2;
    zsum += z;
  }
  let label = label_of(p, n);
  let off = smoothing / f32(k);
  if (d != NO_DELTA) {
    for (var j = 0u; j < k; j++) {
      let sm = exp(ld_scratch(o + j * stride) - m) / s;
      st_scratch(d + j * stride, (sm - select(0.0, 1.0 - smoothing, j == label) - off) * scale);
    }
  }
  let target_logits = (1.0 - smoothing) * ld_scratch(o + label * stride) + off * zsum;
  return SampleLoss(log(s) + m - target_logits, best);
}

// Mean squared error of one sample over its outputs; with d != NO_DELTA writes dL/dz * scale.
fn mse_loss(n: u32, o: u32, d: u32, stride: u32, scale: f32) -> SampleLoss {
  let k = width(u.L);
  var loss = 0.0;
  for (var j = 0u; j < k; j++) {
    let diff = ld_scratch(o + j * stride) - y[n * u.targetWidth + j];
    loss += diff * diff;
    if (d != NO_DELTA) { st_scratch(d + j * stride, 2.0 * diff / f32(k) * scale); }
  }
  return SampleLoss(loss / f32(k), 0u);
}

const NO_DELTA: u32 = 0xffffffffu;
