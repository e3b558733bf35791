// train_step: one fused optimizer step for every model of a population, one workgroup per model.
// Forward on the model's current batch, mean loss, backward, global-norm clip, L2 weight decay and
// the model's own optimizer (sgd, momentum, adam) from its knobs row. Twin: trainStepCpu().
//
// Bindings (group 0):
//   0 x        (N, inputs) f32        read     data-set inputs
//   1 y        (N, targetWidth) f32   read     labels (class index as f32) or regression targets
//   2 batchIdx (P, numBatches, B) u32 read     sample rows; step s uses slot steps[p] % numBatches
//   3 labelMap (P, labelMapWidth) u32 read     per-model relabelling (unused when width 0)
//   4 knobs    (P, 16) f32            read     lr, momentum, beta1, beta2, eps, wd, clip, optimizer
//   5 params   (P, stride) f32        rw
//   6 opt      (P, 2, stride) f32     rw       momentum / first moment, then second moment
//   7 scratch  (P, scratchStride) f32 rw       grads, activations, deltas
//   8 steps    (P) u32                rw       optimizer steps taken (Adam bias correction, slot)
//   9 metrics  (P, 4) f32             rw       last mean loss, gradient norm before clipping
//  10 u        MlpParams uniform
// Dispatch: P workgroups of 64 (grid gridX x ceil(P / gridX)).

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> batchIdx: array<u32>;
@group(0) @binding(3) var<storage, read> labelMap: array<u32>;
@group(0) @binding(4) var<storage, read> knobs: array<f32>;
@group(0) @binding(5) var<storage, read_write> params: array<f32>;
@group(0) @binding(6) var<storage, read_write> opt: array<f32>;
@group(0) @binding(7) var<storage, read_write> scratch: array<f32>;
@group(0) @binding(8) var<storage, read_write> steps: array<u32>;
@group(0) @binding(9) var<storage, read_write> metrics: array<f32>;
@group(0) @binding(10) var<uniform> u: MlpParams;

var<workgroup> red_a: array<f32, 64>;
var<workgroup> red_b: array<f32, 64>;
var<workgroup> cur_slot: u32;

fn sample_index(p: u32, slot: u32, b: u32) -> u32 {
  return batchIdx[(p * u.numBatches + slot) * u.B + b];
}

// Input i of layer l for batch row b: data-set inputs for l = 0, else the previous layer's outputs.
fn layer_input(p: u32, l: u32, slot: u32, b: u32, i: u32) -> f32 {
  if (l == 0u) { return x[sample_index(p, slot, b) * width(0u) + i]; }
  return scratch[acts_base(p) + b * u.actWidth + a_off(l - 1u) + i];
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let p = model_id(wid);
  if (p >= u.P) { return; }
  if (tid == 0u) { cur_slot = steps[p] % u.numBatches; }
  let slot = workgroupUniformLoad(&cur_slot);
  let B = u.B;
  let L = u.L;
  let pb = p * u.stride;
  let gb = p * u.scratchStride;
  let ab = acts_base(p);
  let db = deltas_base(p);

  mlp_forward(p, slot, B, tid);

  // Loss and dL/dz of the last layer (mean over the batch).
  var loss_part = 0.0;
  let last_off = a_off(L - 1u);
  for (var b = tid; b < B; b += WG) {
    let n = sample_index(p, slot, b);
    let row = b * u.actWidth + last_off;
    loss_part += sample_loss(p, n, ab + row, db + row, 1.0 / f32(B));
  }
  red_b[tid] = loss_part;
  sync_all();

  // Backward, last layer first: weight and bias gradients, then deltas of the layer below.
  for (var li = 0u; li < L; li++) {
    let l = L - 1u - li;
    let fin = width(l);
    let fout = width(l + 1u);
    let d_off = a_off(l);
    for (var e = tid; e < fout * fin; e += WG) {
      let j = e / fin;
      let i = e % fin;
      var g = 0.0;
      for (var b = 0u; b < B; b++) {
        g += scratch[db + b * u.actWidth + d_off + j] * layer_input(p, l, slot, b, i);
      }
      scratch[gb + w_off(l) + e] = g;
    }
    for (var j = tid; j < fout; j += WG) {
      var g = 0.0;
      for (var b = 0u; b < B; b++) { g += scratch[db + b * u.actWidth + d_off + j]; }
      scratch[gb + b_off(l) + j] = g;
    }
    if (l > 0u) {
      let wo = pb + w_off(l);
      let prev = a_off(l - 1u);
      for (var e = tid; e < B * fin; e += WG) {
        let b = e / fin;
        let i = e % fin;
        var s = 0.0;
        for (var j = 0u; j < fout; j++) {
          s += params[wo + j * fin + i] * scratch[db + b * u.actWidth + d_off + j];
        }
        let a = scratch[ab + b * u.actWidth + prev + i];
        scratch[db + b * u.actWidth + prev + i] = s * activate_grad(a);
      }
    }
    sync_all();
  }

  // Global gradient norm (tree reduction) and mean loss.
  var sq = 0.0;
  for (var k = tid; k < u.paramCount; k += WG) {
    let g = scratch[gb + k];
    sq += g * g;
  }
  red_a[tid] = sq;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) {
      red_a[tid] += red_a[tid + s];
      red_b[tid] += red_b[tid + s];
    }
    workgroupBarrier();
  }
  let norm = sqrt(red_a[0]);
  if (tid == 0u) {
    metrics[p * 4u] = red_b[0] / f32(B);
    metrics[p * 4u + 1u] = norm;
  }
  if (u.mode == 1u) { return; }

  // Optimizer update with this model's knobs.
  let kb = p * 16u;
  let lr = knobs[kb];
  let mu = knobs[kb + 1u];
  let b1 = knobs[kb + 2u];
  let b2 = knobs[kb + 3u];
  let eps = knobs[kb + 4u];
  let wd = knobs[kb + 5u];
  let clip = knobs[kb + 6u];
  let kind = u32(knobs[kb + 7u]);
  let scale = select(1.0, clip / norm, clip > 0.0 && norm > clip);
  let t = f32(steps[p] + 1u);
  let bc1 = 1.0 - pow(b1, t);
  let bc2 = 1.0 - pow(b2, t);
  let mb = p * 2u * u.stride;
  let vb = mb + u.stride;
  for (var k = tid; k < u.paramCount; k += WG) {
    let w = params[pb + k];
    let g = scratch[gb + k] * scale + wd * w;
    if (kind == 0u) {
      params[pb + k] = w - lr * g;
    } else if (kind == 1u) {
      let m = mu * opt[mb + k] + g;
      opt[mb + k] = m;
      params[pb + k] = w - lr * m;
    } else {
      let m = b1 * opt[mb + k] + (1.0 - b1) * g;
      let v = b2 * opt[vb + k] + (1.0 - b2) * g * g;
      opt[mb + k] = m;
      opt[vb + k] = v;
      params[pb + k] = w - lr * (m / bc1) / (sqrt(v / bc2) + eps);
    }
  }
  workgroupBarrier();
  if (tid == 0u) { steps[p] = steps[p] + 1u; }
}
