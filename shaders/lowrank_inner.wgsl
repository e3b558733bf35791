// lowrank_inner: a task's whole inner loop of a factored meta-iteration (learners/meta_train/
// lowrank_loop.ts) in one invocation: K SGD steps on its S support rows from theta, the first
// layer's weights kept as theta's (pre-activations proj[t, r, j] + b1[j] - sum_s A[t, j, s]
// proj[t, r, H + s]), the tail (the first layer's bias and the later layers) adapted in its row of
// tails, each support row weighted by its share of the step's mean over `batch` cycling positions;
// the step's global gradient norm (the first layer's part from Gram matrices); a task whose loss or
// norm is not finite is flagged and never updated again (with S <= 8 the step is applied while its
// squares are summed, so a flagged task's A, tail and metrics are left unspecified: every consumer
// skips it). Then FOMAML (withQuery = 1): the query pass over `batch` query rows at the adapted
// weights (mean loss, the tail's gradient into tails[t], the first-layer deltas into d1q[t]);
// Reptile: tails[t] holds the adapted tail. metrics[t]: loss (the query pass's for FOMAML, else the
// last step's), gradNorm (the last step's), quarantine flag, 0.
// CPU twin: lowrankInnerCpu in learners/meta_train/lowrank_cpu.ts.
// The bindings and struct Params are declared in learners/meta_train/lowrank_kernels.ts. Every
// hidden width is a multiple of 4, so each layer's rows and biases start on a quad of the tail.
// Bindings: theta4 (stride / 4) vec4, proj (tasks, R, H + S), y (count, targetWidth) f32; ids,
//           classes (episodes, classWidth: each episode's class list, learners/tasks/
//           episode_classes.ts), samples (tasks, R: each row's data-set row, from lowrank_project)
//           u32 read;
//           A (tasks, H, S), d1q (tasks, batch, H), metrics (tasks, METRIC_STRIDE) f32, tails
//           (tasks, tailQuads) vec4, scratch (tasks, 2, rowsMax, rowQuads) vec4 rw: each row's
//           units as quads (layer l from quad aq[l]; activations, then deltas; the output layer's
//           last quad padded with zero deltas).
// Dispatch: one invocation per task (8 per workgroup); every loop is uniform (on a software adapter
// a loop whose trip count differs between lanes runs masked); a product is a loop over the quads of
// its shared dimension with 8 rows x 4 units in registers (per quad 4 weight vec4 loads and one per
// row, the rows past n skipped by uniform branches). Lavapipe silently ends an invocation's loops
// past about 65,535 iterations, and one invocation runs a task's whole inner loop: the loop refuses
// larger shapes there (learners/meta_train/lowrank_budget.ts counts these loops; keep it in step).

fn act4(z: vec4<f32>) -> vec4<f32> {
  if (params.relu != 0u) { return max(z, vec4<f32>(0.0)); }
  return tanh(z);
}

fn grad4(a: vec4<f32>) -> vec4<f32> {
  if (params.relu != 0u) { return select(vec4<f32>(0.0), vec4<f32>(1.0), a > vec4<f32>(0.0)); }
  return 1.0 - a * a;
}

// Episode-local label of global class c in episode e: c's position in e's class list (the first
// match), 0xffffffff when e does not use c (loss_deltas clamps it to the last output).
fn local_label(e: u32, c: u32) -> u32 {
  var label = 0xffffffffu;
  for (var k = 0u; k < params.classWidth; k++) {
    if (classes[e * params.classWidth + k] == c && label == 0xffffffffu) { label = k; }
  }
  return label;
}

// Quad c of row r (deltas: second = 1) of task t in scratch.
fn sq(t: u32, second: u32, r: u32, c: u32) -> u32 {
  return ((t * 2u + second) * params.rowsMax + r) * params.rowQuads + c;
}

// Quad of task t's tail row holding tail entries 4e..4e+3.
fn tq(t: u32, e: u32) -> u32 {
  return t * params.tailQuads + e;
}

// Weight quad c of row j of layer l (rows j >= fout read as row fout - 1; their products are
// dropped).
fn wq(t: u32, l: u32, j: u32, c: u32) -> vec4<f32> {
  let fin = params.widths[l];
  let row = min(j, params.widths[l + 1u] - 1u);
  return tails[tq(t, (params.wo[l] - params.tail0 + row * fin) / 4u + c)];
}

// Layer 0 of n rows whose projections start at proj row pr.
fn forward0(t: u32, pr: u32, n: u32) {
  let H = params.hidden;
  let S = params.supportSize;
  for (var q = 0u; q < H / 4u; q++) {
    // The quad's factor columns A[4q..4q+3, s] for s < 8 in registers (the rest read per row).
    var a = array<vec4<f32>, 8>();
    for (var s = 0u; s < min(S, 8u); s++) {
      let e = (t * H + 4u * q) * S + s;
      a[s] = vec4<f32>(A[e], A[e + S], A[e + 2u * S], A[e + 3u * S]);
    }
    let b = tails[tq(t, q)];
    for (var r = 0u; r < n; r++) {
      let p = (pr + r) * (H + S);
      var z = vec4<f32>(proj[p + 4u * q], proj[p + 4u * q + 1u], proj[p + 4u * q + 2u], proj[p + 4u * q + 3u]) + b;
      for (var s = 0u; s < min(S, 8u); s++) { z -= a[s] * proj[p + H + s]; }
      for (var s = 8u; s < S; s++) {
        let e = (t * H + 4u * q) * S + s;
        z -= vec4<f32>(A[e], A[e + S], A[e + 2u * S], A[e + 3u * S]) * proj[p + H + s];
      }
      scratch[sq(t, 0u, r, q)] = act4(z);
    }
  }
}

// Layer l >= 1 of n rows: each output quad q, 8 rows at a time.
fn forward_layer(t: u32, n: u32, l: u32) {
  let fin4 = params.widths[l] / 4u;
  let inq = params.aq[l - 1u];
  let last = l + 1u == params.layers;
  let rq = params.rowQuads;
  for (var q = 0u; q < params.aq[l + 1u] - params.aq[l]; q++) {
    let bias = tails[tq(t, (params.bo[l] - params.tail0) / 4u + q)];
    for (var r0 = 0u; r0 < n; r0 += 8u) {
      var a0 = bias;
      var a1 = bias;
      var a2 = bias;
      var a3 = bias;
      var a4 = bias;
      var a5 = bias;
      var a6 = bias;
      var a7 = bias;
      let x0 = sq(t, 0u, r0, inq);
      for (var c = 0u; c < fin4; c++) {
        let m = mat4x4<f32>(wq(t, l, 4u * q, c), wq(t, l, 4u * q + 1u, c), wq(t, l, 4u * q + 2u, c), wq(t, l, 4u * q + 3u, c));
        a0 += scratch[x0 + c] * m;
        if (r0 + 1u < n) { a1 += scratch[x0 + rq + c] * m; }
        if (r0 + 2u < n) { a2 += scratch[x0 + 2u * rq + c] * m; }
        if (r0 + 3u < n) { a3 += scratch[x0 + 3u * rq + c] * m; }
        if (r0 + 4u < n) { a4 += scratch[x0 + 4u * rq + c] * m; }
        if (r0 + 5u < n) { a5 += scratch[x0 + 5u * rq + c] * m; }
        if (r0 + 6u < n) { a6 += scratch[x0 + 6u * rq + c] * m; }
        if (r0 + 7u < n) { a7 += scratch[x0 + 7u * rq + c] * m; }
      }
      let acc = array<vec4<f32>, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
      for (var k = 0u; k < 8u && r0 + k < n; k++) {
        var v = acc[k];
        if (!last) { v = act4(v); }
        scratch[sq(t, 0u, r0 + k, params.aq[l] + q)] = v;
      }
    }
  }
}

fn forward(t: u32, pr: u32, n: u32) {
  forward0(t, pr, n);
  for (var l = 1u; l < params.layers; l++) { forward_layer(t, n, l); }
}

// Loss of n rows (rows r0.. of the task) weighted by 1 / batch per position (support: the row's
// share of the cycling positions), summed; writes the output deltas (scaled by the same weight,
// zero in the padding of the last quad).
fn loss_deltas(t: u32, r0: u32, n: u32) -> f32 {
  let O = params.outputs;
  let oq = params.aq[params.layers - 1u];
  let B = params.batch;
  let S = params.supportSize;
  var total = 0.0;
  for (var r = 0u; r < n; r++) {
    var wr = 1.0 / f32(B);
    if (r0 == 0u) { wr = f32(B / S + select(0u, 1u, r < B % S)) / f32(B); }
    let sample = samples[t * params.rows + r0 + r];
    var loss = 0.0;
    var label = 0u;
    var m = scratch[sq(t, 0u, r, oq)].x;
    var sum = 0.0;
    if (params.mse == 0u) {
      label = u32(trunc(y[sample * params.targetWidth]));
      if (params.classWidth > 0u) { label = local_label(ids[params.idsOffset + t], label); }
      label = min(label, O - 1u);
      for (var k = 1u; k < O; k++) { m = max(m, scratch[sq(t, 0u, r, oq + k / 4u)][k % 4u]); }
      for (var k = 0u; k < O; k++) { sum += exp(scratch[sq(t, 0u, r, oq + k / 4u)][k % 4u] - m); }
      loss = log(sum) + m - scratch[sq(t, 0u, r, oq + label / 4u)][label % 4u];
    }
    for (var c = 0u; c < (O + 3u) / 4u; c++) {
      let o = scratch[sq(t, 0u, r, oq + c)];
      var d = vec4<f32>(0.0);
      for (var i = 0u; i < 4u && 4u * c + i < O; i++) {
        let k = 4u * c + i;
        if (params.mse != 0u) {
          let diff = o[i] - y[sample * params.targetWidth + k];
          loss += diff * diff / f32(O);
          d[i] = 2.0 * diff / f32(O) * wr;
        } else {
          d[i] = (exp(o[i] - m) / sum - select(0.0, 1.0, k == label)) * wr;
        }
      }
      scratch[sq(t, 1u, r, oq + c)] = d;
    }
    total += wr * loss;
  }
  return total;
}

// Deltas of every hidden layer of n rows from the output deltas: each input quad q of layer l, 8
// rows at a time, over the quads of layer l's units.
fn backward(t: u32, n: u32) {
  let rq = params.rowQuads;
  for (var l = params.layers - 1u; l > 0u; l--) {
    let outq = params.aq[l + 1u] - params.aq[l];
    for (var q = 0u; q < params.widths[l] / 4u; q++) {
      for (var r0 = 0u; r0 < n; r0 += 8u) {
        var a0 = vec4<f32>(0.0);
        var a1 = vec4<f32>(0.0);
        var a2 = vec4<f32>(0.0);
        var a3 = vec4<f32>(0.0);
        var a4 = vec4<f32>(0.0);
        var a5 = vec4<f32>(0.0);
        var a6 = vec4<f32>(0.0);
        var a7 = vec4<f32>(0.0);
        let x0 = sq(t, 1u, r0, params.aq[l]);
        for (var c = 0u; c < outq; c++) {
          let m = mat4x4<f32>(wq(t, l, 4u * c, q), wq(t, l, 4u * c + 1u, q), wq(t, l, 4u * c + 2u, q), wq(t, l, 4u * c + 3u, q));
          a0 += m * scratch[x0 + c];
          if (r0 + 1u < n) { a1 += m * scratch[x0 + rq + c]; }
          if (r0 + 2u < n) { a2 += m * scratch[x0 + 2u * rq + c]; }
          if (r0 + 3u < n) { a3 += m * scratch[x0 + 3u * rq + c]; }
          if (r0 + 4u < n) { a4 += m * scratch[x0 + 4u * rq + c]; }
          if (r0 + 5u < n) { a5 += m * scratch[x0 + 5u * rq + c]; }
          if (r0 + 6u < n) { a6 += m * scratch[x0 + 6u * rq + c]; }
          if (r0 + 7u < n) { a7 += m * scratch[x0 + 7u * rq + c]; }
        }
        let acc = array<vec4<f32>, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
        for (var k = 0u; k < 8u && r0 + k < n; k++) {
          let a = scratch[sq(t, 0u, r0 + k, params.aq[l - 1u] + q)];
          scratch[sq(t, 1u, r0 + k, params.aq[l - 1u] + q)] = acc[k] * grad4(a);
        }
      }
    }
  }
}

// Squared norm of the step's gradient from Gram matrices: per layer sum over row pairs of
// (d_r . d_q)(a_r . a_q) (layer 0: the Gram matrix in proj), plus |sum_r d_r|^2 for the biases;
// with all = false only layer 0's weights (the first-layer term).
fn norm_part(t: u32, pr: u32, n: u32, all: bool) -> f32 {
  let H = params.hidden;
  let S = params.supportSize;
  var total = 0.0;
  for (var r = 0u; r < n; r++) {
    for (var q = 0u; q < n; q++) {
      for (var l = 0u; l < select(1u, params.layers, all); l++) {
        var dd = 0.0;
        for (var c = params.aq[l]; c < params.aq[l + 1u]; c++) {
          dd += dot(scratch[sq(t, 1u, r, c)], scratch[sq(t, 1u, q, c)]);
        }
        var aa = 0.0;
        if (l == 0u) {
          aa = proj[(pr + q) * (H + S) + H + r];
        } else {
          for (var c = params.aq[l - 1u]; c < params.aq[l]; c++) {
            aa += dot(scratch[sq(t, 0u, r, c)], scratch[sq(t, 0u, q, c)]);
          }
        }
        total += dd * aa;
      }
    }
  }
  for (var c = 0u; c < params.rowQuads && all; c++) {
    var b = vec4<f32>(0.0);
    for (var r = 0u; r < n; r++) { b += scratch[sq(t, 1u, r, c)]; }
    total += dot(b, b);
  }
  return total;
}

// The tail's gradient of layer l over n rows, 8 rows at a time: g = sum_r d_r a_r per weight quad;
// the tail row += scale * g (scale -lr to step, 1 to accumulate a gradient). Returns the sum of
// squares of the entries it made (the whole gradient's when n <= 8).
fn grad_layer(t: u32, n: u32, l: u32, scale: f32) -> f32 {
  let fin4 = params.widths[l] / 4u;
  let fout = params.widths[l + 1u];
  let w = params.wo[l] - params.tail0;
  var ss = 0.0;
  for (var q = 0u; q < params.aq[l + 1u] - params.aq[l]; q++) {
    for (var r0 = 0u; r0 < n; r0 += 8u) {
      var d = array<vec4<f32>, 8>();
      var gb = vec4<f32>(0.0);
      for (var k = 0u; k < 8u && r0 + k < n; k++) {
        d[k] = scratch[sq(t, 1u, r0 + k, params.aq[l] + q)];
        gb += d[k];
      }
      ss += dot(gb, gb);
      let bq = tq(t, (params.bo[l] - params.tail0) / 4u + q);
      tails[bq] += scale * gb;
      if (l == 0u) { continue; }
      for (var c = 0u; c < fin4; c++) {
        var g0 = vec4<f32>(0.0);
        var g1 = vec4<f32>(0.0);
        var g2 = vec4<f32>(0.0);
        var g3 = vec4<f32>(0.0);
        for (var k = 0u; k < 8u && r0 + k < n; k++) {
          let a = scratch[sq(t, 0u, r0 + k, params.aq[l - 1u] + c)];
          g0 += d[k].x * a;
          g1 += d[k].y * a;
          g2 += d[k].z * a;
          g3 += d[k].w * a;
        }
        let g = array<vec4<f32>, 4>(g0, g1, g2, g3);
        for (var u = 0u; u < 4u && 4u * q + u < fout; u++) {
          let e = tq(t, (w + (4u * q + u) * params.widths[l]) / 4u + c);
          tails[e] += scale * g[u];
          ss += dot(g[u], g[u]);
        }
      }
    }
  }
  return ss;
}

// mode 0: an SGD step of the tail and A (A += lr d1) from the deltas of the n support rows;
// mode 1: the tail's gradient into the tail row (zeroed first) and the deltas d1 into d1q[t].
// Returns the sum of squares of the tail gradient's entries (exact when n <= 8).
fn apply(t: u32, n: u32, mode: u32) -> f32 {
  let H = params.hidden;
  if (mode == 1u) {
    for (var k = 0u; k < params.tailQuads; k++) { tails[tq(t, k)] = vec4<f32>(0.0); }
  }
  let scale = select(1.0, -params.lr, mode == 0u);
  var ss = 0.0;
  for (var l = 0u; l < params.layers; l++) { ss += grad_layer(t, n, l, scale); }
  for (var q = 0u; q < H / 4u; q++) {
    for (var r = 0u; r < n; r++) {
      let d = scratch[sq(t, 1u, r, q)];
      if (mode == 0u) {
        let e = (t * H + 4u * q) * params.supportSize + r;
        A[e] += params.lr * d.x;
        A[e + params.supportSize] += params.lr * d.y;
        A[e + 2u * params.supportSize] += params.lr * d.z;
        A[e + 3u * params.supportSize] += params.lr * d.w;
      } else {
        let e = (t * params.batch + r) * H + 4u * q;
        d1q[e] = d.x;
        d1q[e + 1u] = d.y;
        d1q[e + 2u] = d.z;
        d1q[e + 3u] = d.w;
      }
    }
  }
  return ss;
}

@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = grid_index(gid);
  if (t >= params.tasks) { return; }
  let H = params.hidden;
  let S = params.supportSize;
  let R = S + params.batch * params.withQuery;
  for (var k = 0u; k < params.tailQuads; k++) { tails[tq(t, k)] = theta4[params.tail0 / 4u + k]; }
  for (var k = 0u; k < H * S; k++) { A[t * H * S + k] = 0.0; }
  var quarantined = 0.0;
  var loss = 0.0;
  var norm = 0.0;
  for (var step = 0u; step < params.steps; step++) {
    forward(t, t * R, S);
    loss = loss_deltas(t, 0u, S);
    backward(t, S);
    if (S <= 8u) {
      var sumsq = norm_part(t, t * R, S, false);
      if (quarantined == 0.0) { sumsq += apply(t, S, 0u); }
      norm = sqrt(select(sumsq, 0.0, sumsq < 0.0)); // Gram sums may round below 0; NaN stays NaN
      if (quarantined != 0.0 || !finite(loss) || !finite(norm)) { quarantined = 1.0; }
    } else {
      let sq = norm_part(t, t * R, S, true);
      norm = sqrt(select(sq, 0.0, sq < 0.0));
      if (quarantined != 0.0 || !finite(loss) || !finite(norm)) {
        quarantined = 1.0;
      } else {
        _ = apply(t, S, 0u);
      }
    }
  }
  if (params.withQuery != 0u) {
    forward(t, t * R + S, params.batch);
    loss = loss_deltas(t, S, params.batch);
    backward(t, params.batch);
    _ = apply(t, params.batch, 1u);
  }
  let m = t * METRIC_STRIDE;
  metrics[m + METRIC_LOSS] = loss;
  metrics[m + METRIC_GRAD_NORM] = norm;
  metrics[m + METRIC_QUARANTINED] = quarantined;
  metrics[m + METRIC_PREV_LOSS] = 0.0;
}
