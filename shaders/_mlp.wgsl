// Shared snippet: the MLP layout parameters and the forward pass used by train_step and evaluate.
// The including kernel declares, at group 0: `x` (inputs, read, of the generated type InputT), `params` (read or read_write),
// `scratch` (read_write) and the parameters `u: MlpParams` (private copy), and defines
// `fn sample_index(p: u32, slot: u32, b: u32) -> u32` (which data-set row sample b reads).
//
// params:  (P, stride) f32, model-major; layer l weights [out][in] at w_off(l), bias at b_off(l).
// scratch: (P, scratchStride) f32; per model
//          [grads: stride][inputs: (widths[0]+1)*B][acts: actRows*B][deltas: actRows*B].
//          Feature-major rows of B samples: the staged inputs of the batch, then unit j of layer l
//          at row a_off(l) + j of acts (hidden after the nonlinearity, the last layer raw), and its
//          delta dL/dz at the same row of deltas. Each input block ends with a row of ones (row
//          widths[l] of layer l's inputs), so the bias gradient is one more weight-gradient column.

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
  actRows: u32,                // @100 activation rows: sum of (widths[l+1] + 1)
  scratchStride: u32,          // @104 stride + (widths[0] + 1 + 2*actRows)*B
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

fn activate4(z: vec4<f32>) -> vec4<f32> {
  if (u.actKind == 0u) { return max(z, vec4<f32>(0.0)); }
  return tanh(z);
}

// Derivative of the nonlinearity through its outputs a.
fn activate_grad4(a: vec4<f32>) -> vec4<f32> {
  if (u.actKind == 0u) { return select(vec4<f32>(0.0), vec4<f32>(1.0), a > vec4<f32>(0.0)); }
  return vec4<f32>(1.0) - a * a;
}

// Derivative of the nonlinearity through its output a.
fn activate_grad(a: f32) -> f32 {
  if (u.actKind == 0u) { return select(0.0, 1.0, a > 0.0); }
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

// First model of the workgroup.
fn group_id(wid: vec3<u32>) -> u32 { return (wid.x + wid.y * u.gridX) * MPG; }

fn inputs_base(p: u32) -> u32 { return p * u.scratchStride + u.stride; }
fn acts_base(p: u32) -> u32 { return inputs_base(p) + (width(0u) + 1u) * u.B; }
fn deltas_base(p: u32) -> u32 { return acts_base(p) + u.actRows * u.B; }

// Index in scratch of output unit j of layer l (its feature row) for sample 0 of model p.
fn unit_row(p: u32, l: u32, j: u32) -> u32 { return acts_base(p) + (a_off(l) + j) * u.B; }

// Index in scratch of input i of layer l for sample 0: a staged input or the layer below's output.
fn in_row(p: u32, l: u32, i: u32) -> u32 {
  if (l == 0u) { return inputs_base(p) + i * u.B; }
  return unit_row(p, l - 1u, i);
}

// Copies the inputs of samples 0..nb-1 (sample_index(p, slot, b)) into the feature-major rows and
// writes the rows of ones that close every layer's input block.
fn stage_inputs(p: u32, slot: u32, nb: u32, r: u32) {
  let fin = width(0u);
  let base = inputs_base(p);
  for (var b = r; b < nb; b += ROLES) {
    let xr = sample_index(p, slot, b) * fin;
    for (var i = 0u; i < fin; i++) { scratch[base + i * u.B + b] = f32(x[xr + i]); }
    for (var l = 0u; l < u.L; l++) { scratch[in_row(p, l, width(l)) + b] = 1.0; }
  }
  sync_all();
}

// Register tiles of 8 x 8 outputs per invocation for the three small matrix products of a layer
// (forward, weight gradient, delta). A tile accumulates outer products u (8 rows) x v (8 columns)
// over the shared dimension: 16 loads feed 64 multiply-adds. Element (row m, column n) sits in
// column n % 4 of lo_lo / lo_hi / hi_lo / hi_hi for m < 4 or >= 4 and n < 4 or >= 4.
const TILE: u32 = 8u;

struct Tile {
  lo_lo: mat4x4<f32>,
  lo_hi: mat4x4<f32>,
  hi_lo: mat4x4<f32>,
  hi_hi: mat4x4<f32>,
}

fn outer4(a: vec4<f32>, b: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(a * b.x, a * b.y, a * b.z, a * b.w);
}

// Adds the outer product of rows (u0, u1) and columns (v0, v1) to the tile.
fn tile_add(t: ptr<function, Tile>, u0: vec4<f32>, u1: vec4<f32>, v0: vec4<f32>, v1: vec4<f32>) {
  (*t).lo_lo += outer4(u0, v0);
  (*t).lo_hi += outer4(u0, v1);
  (*t).hi_lo += outer4(u1, v0);
  (*t).hi_hi += outer4(u1, v1);
}

// Eight indices base + step * min(first + k, last), k = 0..7 (rows or columns clamped to the end).
fn clamped8(base: u32, step: u32, first: u32, last: u32) -> array<vec4<u32>, 2> {
  let k = vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u);
  let lo = min(k, vec4<u32>(last));
  let hi = min(k + vec4<u32>(4u), vec4<u32>(last));
  return array<vec4<u32>, 2>(vec4<u32>(base) + step * lo, vec4<u32>(base) + step * hi);
}

// Writes the eight values (lo, hi) to scratch[base + m * step] for the rows m with first + m < end.
fn store8(base: u32, step: u32, first: u32, end: u32, lo: vec4<f32>, hi: vec4<f32>) {
  if (first < end) { scratch[base] = lo.x; }
  if (first + 1u < end) { scratch[base + step] = lo.y; }
  if (first + 2u < end) { scratch[base + 2u * step] = lo.z; }
  if (first + 3u < end) { scratch[base + 3u * step] = lo.w; }
  if (first + 4u < end) { scratch[base + 4u * step] = hi.x; }
  if (first + 5u < end) { scratch[base + 5u * step] = hi.y; }
  if (first + 6u < end) { scratch[base + 6u * step] = hi.z; }
  if (first + 7u < end) { scratch[base + 7u * step] = hi.w; }
}

fn params4(a: vec4<u32>, off: u32) -> vec4<f32> {
  return vec4<f32>(params[a.x + off], params[a.y + off], params[a.z + off], params[a.w + off]);
}

fn scratch4(a: vec4<u32>, off: u32) -> vec4<f32> {
  return vec4<f32>(scratch[a.x + off], scratch[a.y + off], scratch[a.z + off], scratch[a.w + off]);
}

// Forward tile of layer l: units j0..j0+7 for samples b0..b0+7, z = bias + W[j] . in[b].
fn forward_tile(p: u32, nb: u32, l: u32, j0: u32, b0: u32) {
  let fin = width(l);
  let fout = width(l + 1u);
  let pb = p * u.stride;
  let rows = clamped8(pb + w_off(l), fin, j0, fout - 1u);
  let bias = clamped8(pb + b_off(l), 1u, j0, fout - 1u);
  let bias0 = params4(bias[0], 0u);
  let bias1 = params4(bias[1], 0u);
  var t = Tile(
    mat4x4<f32>(bias0, bias0, bias0, bias0),
    mat4x4<f32>(bias0, bias0, bias0, bias0),
    mat4x4<f32>(bias1, bias1, bias1, bias1),
    mat4x4<f32>(bias1, bias1, bias1, bias1),
  );
  let cols = clamped8(in_row(p, l, 0u), 1u, b0, nb - 1u);
  for (var i = 0u; i < fin; i++) {
    let q = i * u.B;
    tile_add(&t, params4(rows[0], i), params4(rows[1], i), scratch4(cols[0], q), scratch4(cols[1], q));
  }
  let out = unit_row(p, l, j0) + b0;
  let B = u.B;
  if (l + 1u < u.L) {
    t.lo_lo = mat4x4<f32>(activate4(t.lo_lo[0]), activate4(t.lo_lo[1]), activate4(t.lo_lo[2]), activate4(t.lo_lo[3]));
    t.lo_hi = mat4x4<f32>(activate4(t.lo_hi[0]), activate4(t.lo_hi[1]), activate4(t.lo_hi[2]), activate4(t.lo_hi[3]));
    t.hi_lo = mat4x4<f32>(activate4(t.hi_lo[0]), activate4(t.hi_lo[1]), activate4(t.hi_lo[2]), activate4(t.hi_lo[3]));
    t.hi_hi = mat4x4<f32>(activate4(t.hi_hi[0]), activate4(t.hi_hi[1]), activate4(t.hi_hi[2]), activate4(t.hi_hi[3]));
  }
  // Column n of the tile is sample b0 + n; its rows are units j0..j0+7 (stride B in scratch).
  if (b0 < nb) { store8(out, B, j0, fout, t.lo_lo[0], t.hi_lo[0]); }
  if (b0 + 1u < nb) { store8(out + 1u, B, j0, fout, t.lo_lo[1], t.hi_lo[1]); }
  if (b0 + 2u < nb) { store8(out + 2u, B, j0, fout, t.lo_lo[2], t.hi_lo[2]); }
  if (b0 + 3u < nb) { store8(out + 3u, B, j0, fout, t.lo_lo[3], t.hi_lo[3]); }
  if (b0 + 4u < nb) { store8(out + 4u, B, j0, fout, t.lo_hi[0], t.hi_hi[0]); }
  if (b0 + 5u < nb) { store8(out + 5u, B, j0, fout, t.lo_hi[1], t.hi_hi[1]); }
  if (b0 + 6u < nb) { store8(out + 6u, B, j0, fout, t.lo_hi[2], t.hi_hi[2]); }
  if (b0 + 7u < nb) { store8(out + 7u, B, j0, fout, t.lo_hi[3], t.hi_hi[3]); }
}

// Forward pass of model p on nb samples (sample_index(p, slot, b), b < nb); every role calls it.
fn mlp_forward(p: u32, slot: u32, nb: u32, r: u32) {
  stage_inputs(p, slot, nb, r);
  for (var l = 0u; l < u.L; l++) {
    let nj = (width(l + 1u) + TILE - 1u) / TILE;
    let tiles = nj * ((nb + TILE - 1u) / TILE);
    for (var t = r; t < tiles; t += ROLES) { forward_tile(p, nb, l, (t % nj) * TILE, (t / nj) * TILE); }
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
  var m = scratch[o];
  var s = 1.0;
  var best = 0u;
  var zsum = m;
  for (var j = 1u; j < k; j++) {
    let z = scratch[o + j * stride];
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
      let sm = exp(scratch[o + j * stride] - m) / s;
      scratch[d + j * stride] = (sm - select(0.0, 1.0 - smoothing, j == label) - off) * scale;
    }
  }
  let target_logits = (1.0 - smoothing) * scratch[o + label * stride] + off * zsum;
  return SampleLoss(log(s) + m - target_logits, best);
}

// Mean squared error of one sample over its outputs; with d != NO_DELTA writes dL/dz * scale.
fn mse_loss(n: u32, o: u32, d: u32, stride: u32, scale: f32) -> SampleLoss {
  let k = width(u.L);
  var loss = 0.0;
  for (var j = 0u; j < k; j++) {
    let diff = scratch[o + j * stride] - y[n * u.targetWidth + j];
    loss += diff * diff;
    if (d != NO_DELTA) { scratch[d + j * stride] = 2.0 * diff / f32(k) * scale; }
  }
  return SampleLoss(loss / f32(k), 0u);
}

const NO_DELTA: u32 = 0xffffffffu;
