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

// Weight-gradient tile of layer l: G[j][i] = sum_b delta[j][b] * in[i][b] for j0..j0+3, i0..i0+7.
fn grad_tile(p: u32, l: u32, j0: u32, i0: u32) {
  let fin = width(l);
  let fout = width(l + 1u);
  let B = u.B;
  var dr = array<u32, 4>();
  for (var q = 0u; q < TM; q++) { dr[q] = deltas_base(p) + (a_off(l) + min(j0 + q, fout - 1u)) * B; }
  var ic = array<u32, 8>();
  for (var r = 0u; r < TN; r++) { ic[r] = min(i0 + r, fin - 1u); }
  let prev = in_row(p, l, 0u);
  for (var r = 0u; r < TN; r++) { ic[r] = prev + ic[r] * B; }
  var acc = array<vec4<f32>, 8>();
  for (var b = 0u; b < B; b++) {
    let d = vec4<f32>(scratch[dr[0] + b], scratch[dr[1] + b], scratch[dr[2] + b], scratch[dr[3] + b]);
    for (var r = 0u; r < TN; r++) { acc[r] += d * scratch[ic[r] + b]; }
  }
  let g0 = p * u.scratchStride + w_off(l);
  for (var r = 0u; r < TN; r++) {
    let i = i0 + r;
    if (i < fin) {
      for (var q = 0u; q < TM; q++) {
        if (j0 + q < fout) { scratch[g0 + (j0 + q) * fin + i] = acc[r][q]; }
      }
    }
  }
}

// Delta tile of layer l - 1: delta[i][b] = f'(a[i][b]) * sum_j W[j][i] * delta_l[j][b] for
// i0..i0+3 and b0..b0+7.
fn delta_tile(p: u32, l: u32, i0: u32, b0: u32) {
  let fin = width(l);
  let fout = width(l + 1u);
  let B = u.B;
  let wo = p * u.stride + w_off(l);
  var ic = array<u32, 4>();
  for (var q = 0u; q < TM; q++) { ic[q] = wo + min(i0 + q, fin - 1u); }
  var bc = array<u32, 8>();
  for (var r = 0u; r < TN; r++) { bc[r] = min(b0 + r, B - 1u); }
  let drows = deltas_base(p) + a_off(l) * B;
  var acc = array<vec4<f32>, 8>();
  for (var j = 0u; j < fout; j++) {
    let wj = j * fin;
    let w = vec4<f32>(params[ic[0] + wj], params[ic[1] + wj], params[ic[2] + wj], params[ic[3] + wj]);
    let q = drows + j * B;
    for (var r = 0u; r < TN; r++) { acc[r] += w * scratch[q + bc[r]]; }
  }
  let arow = unit_row(p, l - 1u, 0u);
  let drow = deltas_base(p) + a_off(l - 1u) * B;
  for (var r = 0u; r < TN; r++) {
    let b = b0 + r;
    if (b < B) {
      for (var q = 0u; q < TM; q++) {
        let i = i0 + q;
        if (i < fin) { scratch[drow + i * B + b] = acc[r][q] * activate_grad(scratch[arow + i * B + b]); }
      }
    }
  }
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
  let out_row = a_off(L - 1u) * B;
  for (var b = tid; b < B; b += WG) {
    let n = sample_index(p, slot, b);
    loss_part += sample_loss(p, n, ab + out_row + b, db + out_row + b, B, 1.0 / f32(B));
  }
  red_b[tid] = loss_part;
  sync_all();

  // Backward, last layer first: weight gradients, bias gradients, then the deltas of the layer
  // below, each as register tiles.
  for (var li = 0u; li < L; li++) {
    let l = L - 1u - li;
    let fin = width(l);
    let fout = width(l + 1u);
    let nj = (fout + TM - 1u) / TM;
    let gtiles = nj * ((fin + TN - 1u) / TN);
    for (var t = tid; t < gtiles; t += WG) { grad_tile(p, l, (t % nj) * TM, (t / nj) * TN); }
    let drows = db + a_off(l) * B;
    for (var j = tid; j < fout; j += WG) {
      var g = 0.0;
      let q = drows + j * B;
      for (var b = 0u; b < B; b++) { g += scratch[q + b]; }
      scratch[gb + b_off(l) + j] = g;
    }
    if (l > 0u) {
      let ni = (fin + TM - 1u) / TM;
      let dtiles = ni * ((B + TN - 1u) / TN);
      for (var t = tid; t < dtiles; t += WG) { delta_tile(p, l, (t % ni) * TM, (t / ni) * TN); }
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
