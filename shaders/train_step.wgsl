// train_step: one fused optimizer step for every model of a population, one workgroup per model.
// Forward on the model's current batch, mean loss, backward, global-norm clip, L2 weight decay and
// the model's own optimizer (sgd, momentum, adam) from its knobs row. Twin: trainStepCpu().
//
// The step reads the parameters from `params` and writes the updated ones to `params_out` (the
// host alternates two buffers). The weight-gradient tiles (learners/mlp/mlp_tiles_wgsl.ts) store each
// gradient in params_out, where the optimizer loops below read it and overwrite it with the new
// parameter; for plain SGD without clipping or gradient transform (`fuse`) the tiles store the new
// parameter w - lr * (g + wd * w) directly, and no loop runs. A model found diverged afterwards
// gets its old parameters copied to params_out instead.
//
// Bindings (group 0):
//   0 x        (N, inputs) InputT     read     data-set inputs (f32, or f16 when uploaded so)
//   1 y        (N, targetWidth) f32   read     labels (class index as f32) or regression targets
//   2 batchIdx (P, numBatches, B) u32 read     sample rows; step s uses slot steps[p] % numBatches
//   3 labelMap (P, labelMapWidth) u32 read     per-model relabelling (unused when width 0)
//   4 knobs    (P, KNOB_STRIDE) f32   read     lr, momentum, beta1, beta2, eps, wd, clip, optimizer
//                                              (KNOB_* offsets: learners/optimizers/knobs.ts)
//   5 params   (P, stride) f32        read     parameters before the step
//   6 opt      (P, 2, stride) f32     rw       momentum / first moment, then second moment
//   7 scratch  (P, scratchStride) f32 rw       activations, deltas
//   8 steps    (P) u32                rw       optimizer steps taken (Adam bias correction, slot)
//   9 metrics  (P, METRIC_STRIDE) f32 rw      last mean loss, gradient norm before clipping,
//                                              diverged flag (1 = quarantined), previous loss
//                                              (kept by the learned optimizer, kind 3); METRIC_*
//                                              offsets: learners/metrics_row.ts
//  10 u        MlpParams read (parameters)
//  11 learned  (P, LEARNED_STRIDE) f32 read   meta-network rows of the learned optimizers (kinds 3
//                                              and 4): see LEARNED in learners/optimizers/knobs.ts
//  12 params_out (P, stride) f32      rw       parameters after the step (mode 0), the gradients
//                                              (mode 1)
// Dispatch: P / MPG workgroups of WG invocations (grid gridX wide).
// params, scratch and params_out are declared as arrays of F32V and x as InputV: f32 and InputT, or
// vec4<f32> and vec4<InputT> for vec4 tile plans (learners/mlp/mlp_tiles_wgsl.ts); code outside the
// tiles reads and writes single floats through ld_params, ld_scratch, st_scratch, ld_out, st_out.
//
// Composed before this file by mlpKernel (learners/mlp/mlp_kernel.ts); `metaforge kernels --dump
// SHAPE` prints the whole kernel with every part marked. Symbols generated per shape:
//   learners/mlp/mlp_kernel.ts          InputT (f32, or f16 after `enable f16;`); MPG, ROLES, WG
//   learners/optimizers/knobs.ts        KNOB_STRIDE, KNOB_* (KNOB_LAYOUT.wgsl); LEARNED_STRIDE,
//                                       LEARNED_* (LEARNED_LAYOUT.wgsl)
//   learners/metrics_row.ts             METRIC_STRIDE, METRIC_* (METRIC_LAYOUT.wgsl)
//   learners/mlp/storage_views_wgsl.ts  F32V, InputV, ld_params, ld_scratch, st_scratch (forward
//                                       part); V, AdamT, sum_squares, real_only, ld_out, st_out,
//                                       ld_opt, st_opt (backward part)
//   learners/mlp/mlp_tiles_wgsl.ts      fwd_tile_RxC[_x], forward_layer (called by mlp_forward);
//                                       grad_tile_RxC[_x], delta_tile_RxC, grad_layer, delta_layer
// (RxC: a tile's rows x columns; _x: the first layer's tiles, which read the data set.) Snippets:
// shaders/_finite.wgsl (finite), shaders/_adam.wgsl (adam_m, adam_v, adam_step), shaders/_mlp.wgsl.

@group(0) @binding(0) var<storage, read> x: array<InputV>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> batchIdx: array<u32>;
@group(0) @binding(3) var<storage, read> labelMap: array<u32>;
@group(0) @binding(4) var<storage, read> knobs: array<f32>;
@group(0) @binding(5) var<storage, read> params: array<F32V>;
@group(0) @binding(6) var<storage, read_write> opt: array<F32V>;
@group(0) @binding(7) var<storage, read_write> scratch: array<F32V>;
@group(0) @binding(8) var<storage, read_write> steps: array<u32>;
@group(0) @binding(9) var<storage, read_write> metrics: array<f32>;
@group(0) @binding(10) var<storage, read> u_in: MlpParams;
// Parameters are read from storage into a private copy once per invocation; see
// createParamsBuffer in core/buffers.ts for why they are not a uniform buffer.
var<private> u: MlpParams;
@group(0) @binding(11) var<storage, read> learned: array<f32>;
@group(0) @binding(12) var<storage, read_write> params_out: array<F32V>;

// SGD fused into the weight-gradient tiles (learners/mlp/mlp_tiles_wgsl.ts) for this invocation's model.
struct FusedSgd {
  on: bool,
  lr: f32,
  wd: f32,
}
var<private> fuse: FusedSgd;

// A learned-optimizer row: LEARNED_* offsets (generated from LEARNED in
// learners/optimizers/knobs.ts): W1 (8, 5) hidden weights [j][i], B1 (8), W2 (8), B2, MEAN (5)
// and SCALE (5) of the feature normalization; the per-parameter network (kind 4) PP_W1 (8, 3)
// [j][i] over (gradient, momentum, parameter), PP_B1 (8), PP_W2 (8), PP_B2, PP_SCALE (3).

var<workgroup> cur_slot: array<u32, MPG>;

fn sample_index(p: u32, slot: u32, b: u32) -> u32 {
  return batchIdx[(p * u.numBatches + slot) * u.B + b];
}

// Raw features of the training state seen by the learned optimizer: log(1 + loss), the clamped log
// ratio of the loss to the previous step's (0 on the first step), log gradient norm, log weight
// norm, step / horizon (0 when the horizon is 0). Finite for any finite loss and norms.
fn learned_features(loss: f32, prev: f32, norm: f32, wnorm: f32, step: f32, horizon: f32) -> array<f32, 5> {
  let l = clamp(loss, 0.0, 1e30);
  let pl = clamp(prev, 0.0, 1e30);
  let change = select(0.0, clamp(log(l + 1e-8) - log(pl + 1e-8), -4.0, 4.0), step > 0.0);
  let frac = select(0.0, clamp(step / horizon, 0.0, 2.0), horizon > 0.0);
  return array<f32, 5>(log(1.0 + l), change, log(min(norm, 1e30) + 1e-8), log(min(wnorm, 1e30) + 1e-8), frac);
}

// Learning-rate multiplier exp(clamp(net(features), -4, 4)) of model p's meta-network (5 -> 8 tanh -> 1),
// on features normalized as clamp((f - mean) * scale, -8, 8).
fn learned_lr_scale(p: u32, f: array<f32, 5>) -> f32 {
  let base = p * LEARNED_STRIDE;
  var x = array<f32, 5>(0.0, 0.0, 0.0, 0.0, 0.0);
  for (var i = 0u; i < 5u; i++) {
    x[i] = clamp((f[i] - learned[base + LEARNED_MEAN + i]) * learned[base + LEARNED_SCALE + i], -8.0, 8.0);
  }
  var out = learned[base + LEARNED_B2];
  for (var j = 0u; j < 8u; j++) {
    var z = learned[base + LEARNED_B1 + j];
    let w = base + LEARNED_W1 + j * 5u;
    z += learned[w] * x[0] + learned[w + 1u] * x[1] + learned[w + 2u] * x[2] + learned[w + 3u] * x[3] + learned[w + 4u] * x[4];
    out += learned[base + LEARNED_W2 + j] * tanh(clamp(z, -15.0, 15.0));
  }
  return exp(clamp(out, -4.0, 4.0));
}

// Transformed gradients: g * mul (clip scale or 1 / norm), or sign(g) for transform 1.
fn grad_t(g: F32V, mul: f32, transform: u32) -> F32V {
  return select(g * mul, sign(g), transform == 1u);
}

// grad_t of one parameter.
fn grad_t1(g: f32, mul: f32, transform: u32) -> f32 {
  return select(g * mul, sign(g), transform == 1u);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  u = u_in;
  let m = tid % MPG;
  let r = tid / MPG;
  if (group_id(wid) >= u.P) { return; }
  let p = group_id(wid) + m;
  if (r == 0u) { cur_slot[m] = steps[p] % u.numBatches; }
  sync_shared();
  let slot = cur_slot[m];
  let B = u.B;
  let L = u.L;
  let pb = p * u.stride;
  let ab = acts_base(p);
  let db = deltas_base(p);

  // Plain SGD (kind 0) without clipping or gradient transform, in update mode, on a model not yet
  // quarantined: the update needs no gradient norm, so the gradient tiles apply it directly.
  let kb = p * KNOB_STRIDE;
  fuse = FusedSgd(
    u.mode == 0u && u32(knobs[kb + KNOB_OPTIMIZER]) == 0u && !(knobs[kb + KNOB_CLIP_NORM] > 0.0) &&
      u32(knobs[kb + KNOB_GRAD_TRANSFORM]) == 0u && metrics[p * METRIC_STRIDE + METRIC_QUARANTINED] == 0.0,
    knobs[kb + KNOB_LR],
    knobs[kb + KNOB_WEIGHT_DECAY],
  );

  mlp_forward(p, slot, B, r);

  // Loss and dL/dz of the last layer (mean over the batch).
  var loss_part = 0.0;
  let out_row = a_off(L - 1u) * B;
  // One loop per loss kind, so that the loop of the other kind runs no iterations.
  if (u.lossKind == 0u) {
    for (var b = r; b < B; b += ROLES) {
      let n = sample_index(p, slot, b);
      loss_part += ce_loss(p, n, ab + out_row + b, db + out_row + b, B, 1.0 / f32(B), knobs[kb + KNOB_LABEL_SMOOTHING]).loss;
    }
  } else {
    for (var b = r; b < B; b += ROLES) {
      let n = sample_index(p, slot, b);
      loss_part += mse_loss(n, ab + out_row + b, db + out_row + b, B, 1.0 / f32(B)).loss;
    }
  }
  red_b[tid] = loss_part;
  sync_all();

  // Backward, last layer first: weight and bias gradients, then the deltas of the layer below,
  // in register tiles (learners/mlp/mlp_tiles_wgsl.ts). Each invocation keeps the sum of squares it wrote.
  var sq = 0.0;
  for (var li = 0u; li < L; li++) {
    let l = L - 1u - li;
    sq += grad_layer(p, slot, l, r);
    if (l > 0u) { delta_layer(p, l, r); }
    sync_all();
  }

  // Global gradient norm and mean loss (tree reductions).
  red_a[tid] = sq;
  sync_shared();
  sum_over_roles(tid, r);
  let norm = sqrt(red_a[m]);
  let loss = red_b[m] / f32(B);
  // Numeric faults: a model whose loss or gradient is NaN or infinite is quarantined (flag
  // metrics[p][METRIC_QUARANTINED], sticky until init): its parameters and steps are never updated again.
  let diverged = metrics[p * METRIC_STRIDE + METRIC_QUARANTINED] != 0.0 || !finite(loss) || !finite(norm);
  if (r == 0u) {
    metrics[p * METRIC_STRIDE + METRIC_LOSS] = loss;
    metrics[p * METRIC_STRIDE + METRIC_GRAD_NORM] = norm;
    if (u.mode == 0u && diverged) { metrics[p * METRIC_STRIDE + METRIC_QUARANTINED] = 1.0; }
  }
  if (u.mode == 1u) { return; }

  // Optimizer update with this model's knobs.
  let lr = knobs[kb + KNOB_LR];
  let mu = knobs[kb + KNOB_MOMENTUM];
  let b1 = knobs[kb + KNOB_BETA1];
  let b2 = knobs[kb + KNOB_BETA2];
  let eps = knobs[kb + KNOB_EPS];
  let wd = knobs[kb + KNOB_WEIGHT_DECAY];
  let clip = knobs[kb + KNOB_CLIP_NORM];
  let kind = u32(knobs[kb + KNOB_OPTIMIZER]);
  let scale = select(1.0, clip / norm, clip > 0.0 && norm > clip);
  // Gradient transform (knob 10): 0 clipped gradient as is, 1 elementwise sign, 2 divided by
  // the global norm; applied before weight decay and the optimizer.
  let transform = u32(knobs[kb + KNOB_GRAD_TRANSFORM]);
  let gmul = select(scale, 1.0 / max(norm, 1e-30), transform == 2u);
  let t = f32(steps[p] + 1u);
  let bc1 = 1.0 - pow(b1, t);
  let bc2 = 1.0 - pow(b2, t);
  let mb = p * 2u * u.stride;
  let vb = mb + u.stride;
  // The loops below step over F32V elements: V = 1 parameter at a time, or 4 with vec4 tile plans
  // (model strides are multiples of 4). real_only keeps the padding lanes after a model's last
  // parameter as they were, and the weight norm leaves them out.
  let pv = pb / V;
  let mv = mb / V;
  let vv = vb / V;
  // One loop per optimizer, each running only for the models of its kind: the models of one SIMD
  // group may differ in kind, and a branch inside a shared loop would cost every iteration.
  let nv = (u.paramCount + V - 1u) / V;
  let n = select(nv, 0u, diverged);
  // The SGD loop also runs for every diverged model, which keeps its parameters (the fused tiles
  // may have written new ones already): one loop fewer within the loop budget.
  let n_sgd = select(0u, nv, (kind == 0u && !fuse.on) || diverged);
  let n_adam = select(0u, n, kind == 2u);
  for (var k = r; k < n_sgd; k += ROLES) {
    let w = params[pv + k];
    let w1 = select(w - lr * (grad_t(params_out[pv + k], gmul, transform) + wd * w), w, diverged);
    params_out[pv + k] = real_only(w, w1, k);
  }
  // Learned optimizer (kind 3): momentum SGD whose learning rate a meta-network scales from the
  // training state. Its weight norm needs one more loop and reduction (zero trips for other kinds).
  var wsq = 0.0;
  for (var k = r; k < select(0u, n, kind == 3u); k += ROLES) {
    wsq += sum_squares(real_only(F32V(0.0), params[pv + k], k));
  }
  sync_shared();
  red_a[tid] = wsq;
  sync_shared();
  for (var s = ROLES / 2u; s > 0u; s = s / 2u) {
    if (r < s) { red_a[tid] += red_a[tid + s * MPG]; }
    sync_shared();
  }
  let feats = learned_features(loss, metrics[p * METRIC_STRIDE + METRIC_PREV_LOSS], norm, sqrt(red_a[m]), f32(steps[p]),
    knobs[kb + KNOB_HORIZON]);
  // Momentum SGD for kinds 1 (momentum) and 3 (learned, lr scaled; lr * 1.0 = lr for kind 1).
  let lr_momentum = lr * select(1.0, learned_lr_scale(p, feats), kind == 3u);
  let n_momentum = select(0u, n, kind == 1u || kind == 3u);
  for (var k = r; k < n_momentum; k += ROLES) {
    let w = params[pv + k];
    let m0 = opt[mv + k];
    let m1 = mu * m0 + grad_t(params_out[pv + k], gmul, transform) + wd * w;
    opt[mv + k] = real_only(m0, m1, k);
    params_out[pv + k] = real_only(w, w - lr_momentum * m1, k);
  }
  // Per-parameter learned update (kind 4): momentum SGD plus a meta-network's output per parameter,
  // w -= lr * (m + net(clamp(g * s0), clamp(m * s1), clamp(w * s2))), each input clamped to +-8.
  // One parameter per step (the network's padding output would not be 0).
  let n_pp = select(0u, select(u.paramCount, 0u, diverged), kind == 4u);
  let qb = p * LEARNED_STRIDE;
  let q_g_lo = vec4<f32>(learned[qb + LEARNED_PP_W1], learned[qb + LEARNED_PP_W1 + 3u], learned[qb + LEARNED_PP_W1 + 6u], learned[qb + LEARNED_PP_W1 + 9u]);
  let q_g_hi = vec4<f32>(learned[qb + LEARNED_PP_W1 + 12u], learned[qb + LEARNED_PP_W1 + 15u], learned[qb + LEARNED_PP_W1 + 18u], learned[qb + LEARNED_PP_W1 + 21u]);
  let q_m_lo = vec4<f32>(learned[qb + LEARNED_PP_W1 + 1u], learned[qb + LEARNED_PP_W1 + 4u], learned[qb + LEARNED_PP_W1 + 7u], learned[qb + LEARNED_PP_W1 + 10u]);
  let q_m_hi = vec4<f32>(learned[qb + LEARNED_PP_W1 + 13u], learned[qb + LEARNED_PP_W1 + 16u], learned[qb + LEARNED_PP_W1 + 19u], learned[qb + LEARNED_PP_W1 + 22u]);
  let q_w_lo = vec4<f32>(learned[qb + LEARNED_PP_W1 + 2u], learned[qb + LEARNED_PP_W1 + 5u], learned[qb + LEARNED_PP_W1 + 8u], learned[qb + LEARNED_PP_W1 + 11u]);
  let q_w_hi = vec4<f32>(learned[qb + LEARNED_PP_W1 + 14u], learned[qb + LEARNED_PP_W1 + 17u], learned[qb + LEARNED_PP_W1 + 20u], learned[qb + LEARNED_PP_W1 + 23u]);
  let q_b_lo = vec4<f32>(learned[qb + LEARNED_PP_B1], learned[qb + LEARNED_PP_B1 + 1u], learned[qb + LEARNED_PP_B1 + 2u], learned[qb + LEARNED_PP_B1 + 3u]);
  let q_b_hi = vec4<f32>(learned[qb + LEARNED_PP_B1 + 4u], learned[qb + LEARNED_PP_B1 + 5u], learned[qb + LEARNED_PP_B1 + 6u], learned[qb + LEARNED_PP_B1 + 7u]);
  let q_o_lo = vec4<f32>(learned[qb + LEARNED_PP_W2], learned[qb + LEARNED_PP_W2 + 1u], learned[qb + LEARNED_PP_W2 + 2u], learned[qb + LEARNED_PP_W2 + 3u]);
  let q_o_hi = vec4<f32>(learned[qb + LEARNED_PP_W2 + 4u], learned[qb + LEARNED_PP_W2 + 5u], learned[qb + LEARNED_PP_W2 + 6u], learned[qb + LEARNED_PP_W2 + 7u]);
  let q_b2 = learned[qb + LEARNED_PP_B2];
  let q_s = vec3<f32>(learned[qb + LEARNED_PP_SCALE], learned[qb + LEARNED_PP_SCALE + 1u], learned[qb + LEARNED_PP_SCALE + 2u]);
  for (var k = r; k < n_pp; k += ROLES) {
    let w = ld_params(pb + k);
    let g = grad_t1(ld_out(pb + k), gmul, transform) + wd * w;
    let m1 = mu * ld_opt(mb + k) + g;
    st_opt(mb + k, m1);
    let xi = clamp(vec3<f32>(g, m1, w) * q_s, vec3<f32>(-8.0), vec3<f32>(8.0));
    let h_lo = tanh(clamp(q_g_lo * xi.x + q_m_lo * xi.y + q_w_lo * xi.z + q_b_lo, vec4<f32>(-15.0), vec4<f32>(15.0)));
    let h_hi = tanh(clamp(q_g_hi * xi.x + q_m_hi * xi.y + q_w_hi * xi.z + q_b_hi, vec4<f32>(-15.0), vec4<f32>(15.0)));
    st_out(pb + k, w - lr * (m1 + dot(q_o_lo, h_lo) + dot(q_o_hi, h_hi) + q_b2));
  }
  for (var k = r; k < n_adam; k += ROLES) {
    let w = params[pv + k];
    let g = grad_t(params_out[pv + k], gmul, transform) + wd * w;
    let m0 = opt[mv + k];
    let v0 = opt[vv + k];
    let m1 = adam_m(m0, g, b1);
    let v1 = adam_v(v0, g, b2);
    opt[mv + k] = real_only(m0, m1, k);
    opt[vv + k] = real_only(v0, v1, k);
    params_out[pv + k] = real_only(w, w - lr * adam_step(m1, v1, bc1, bc2, eps), k);
  }
  sync_shared();
  if (r == 0u && !diverged) {
    steps[p] = steps[p] + 1u;
    if (kind == 3u) { metrics[p * METRIC_STRIDE + METRIC_PREV_LOSS] = loss; }
  }
}
