// lowrank_inner: a task's whole inner loop of a factored meta-iteration (learners/meta_train/
// lowrank_loop.ts) in one workgroup: K SGD steps on its S support rows from theta, the first
// layer's weights kept as theta's (pre-activations proj[t, r, j] + b1[j] - sum_s A[t, j, s]
// proj[t, r, H + s]), the tail (the first layer's bias and the later layers) adapted in workgroup
// memory, each support row weighted by its share of the step's mean over `batch` cycling positions;
// the step's global gradient norm from Gram matrices; a task quarantined at a non-finite loss or
// norm is never updated again. Then FOMAML (withQuery = 1): the query pass over `batch` query rows
// at the adapted weights (mean loss, the tail's gradient into tails[t], the first-layer deltas into
// d1q[t]); Reptile: the adapted tail into tails[t]. metrics[t]: loss (the query pass's for FOMAML,
// else the last step's), gradNorm (the last step's), quarantine flag, 0.
// CPU twin: lowrankInnerCpu in learners/meta_train/lowrank_cpu.ts.
// The bindings and struct Params are declared in learners/meta_train/lowrank_kernels.ts;
// TAIL_QUADS (>= tailCount / 4) is a generated constant. Every hidden width is a multiple of 4.
// Bindings: theta (stride), proj (tasks, R, H + S), y (count, targetWidth) f32; ids, support,
//           query, labelMap u32 read; A (tasks, H, S), tails (tasks, tailCount),
//           d1q (tasks, batch, H), metrics (tasks, METRIC_STRIDE) f32, scratch (tasks, 2,
//           rowsMax, rowQuads) vec4 rw: each row's units as quads (layer l from quad aq[l];
//           activations, then deltas; the output layer's last quad padded with zero deltas).
// Dispatch: one workgroup of 64 per task; invocation q owns the quad of units 4q..4q+3 of a layer
// and works on 8 rows at a time, every product a loop over the quads of its shared dimension with
// 8 rows x 4 units in registers (per quad: 4 weight and 8 activation vec4 loads).

var<workgroup> tw: array<vec4<f32>, TAIL_QUADS>;
var<workgroup> red: array<f32, 16>;
var<workgroup> total: f32;

fn act4(z: vec4<f32>) -> vec4<f32> {
  if (params.relu != 0u) { return max(z, vec4<f32>(0.0)); }
  return tanh(z);
}

fn grad4(a: vec4<f32>) -> vec4<f32> {
  if (params.relu != 0u) { return select(vec4<f32>(0.0), vec4<f32>(1.0), a > vec4<f32>(0.0)); }
  return 1.0 - a * a;
}

// Quad index of quad c of row r (deltas: second = 1) of task t in scratch.
fn sq(t: u32, second: u32, r: u32, c: u32) -> u32 {
  return ((t * 2u + second) * params.rowsMax + r) * params.rowQuads + c;
}

// Tail entry e (scalar view of tw).
fn tget(e: u32) -> f32 { return tw[e >> 2u][e & 3u]; }

// Quad of 4 weights of row j of a layer whose rows (fin floats, fin % 4 == 0) start at tail
// entry w, at input quad c; rows j >= fout read as row fout - 1 (their products are dropped).
fn wrow(w: u32, fin: u32, j: u32, fout: u32, c: u32) -> vec4<f32> {
  return tw[(w + min(j, fout - 1u) * fin) / 4u + c];
}

// Sum of every invocation's v, a uniform value (invocation 0 adds the 64 partial sums).
fn reduce(lid: u32, v: f32) -> f32 {
  storageBarrier();
  red[lid] = v;
  workgroupBarrier();
  if (lid == 0u) {
    var s = 0.0;
    for (var l = 0u; l < 16u; l++) { s += red[l]; }
    total = s;
  }
  return workgroupUniformLoad(&total);
}

fn sync() {
  storageBarrier();
  workgroupBarrier();
}

// Layer 0 of n rows whose projections start at proj row pr: quad q of row r.
fn forward0(t: u32, lid: u32, pr: u32, n: u32) {
  let H = params.hidden;
  let S = params.supportSize;
  for (var q = lid; q < H / 4u; q += 16u) {
    // The quad's factor columns A[4q..4q+3, s] for s < 8 in registers (the rest read per row).
    var a = array<vec4<f32>, 8>();
    for (var s = 0u; s < min(S, 8u); s++) {
      let e = (t * H + 4u * q) * S + s;
      a[s] = vec4<f32>(A[e], A[e + S], A[e + 2u * S], A[e + 3u * S]);
    }
    for (var r = 0u; r < n; r++) {
      let p = (pr + r) * (H + S);
      var z = vec4<f32>(proj[p + 4u * q], proj[p + 4u * q + 1u], proj[p + 4u * q + 2u], proj[p + 4u * q + 3u]) + tw[q];
      for (var s = 0u; s < min(S, 8u); s++) { z -= a[s] * proj[p + H + s]; }
      for (var s = 8u; s < S; s++) {
        let e = (t * H + 4u * q) * S + s;
        z -= vec4<f32>(A[e], A[e + S], A[e + 2u * S], A[e + 3u * S]) * proj[p + H + s];
      }
      scratch[sq(t, 0u, r, q)] = act4(z);
    }
  }
  sync();
}

// Layer l >= 1 of n rows: output quad q, 8 rows at a time.
fn forward_layer(t: u32, lid: u32, n: u32, l: u32) {
  let fin = params.widths[l];
  let fout = params.widths[l + 1u];
  let w = params.wo[l] - params.tail0;
  let b = params.bo[l] - params.tail0;
  let inq = params.aq[l - 1u];
  let last = l + 1u == params.layers;
  for (var q = lid; q < (fout + 3u) / 4u; q += 16u) {
    let bias = vec4<f32>(tget(b + min(4u * q, fout - 1u)), tget(b + min(4u * q + 1u, fout - 1u)), tget(b + min(4u * q + 2u, fout - 1u)), tget(b + min(4u * q + 3u, fout - 1u)));
    for (var r0 = 0u; r0 < n; r0 += 8u) {
      var a0 = vec4<f32>(0.0);
      var a1 = vec4<f32>(0.0);
      var a2 = vec4<f32>(0.0);
      var a3 = vec4<f32>(0.0);
      var a4 = vec4<f32>(0.0);
      var a5 = vec4<f32>(0.0);
      var a6 = vec4<f32>(0.0);
      var a7 = vec4<f32>(0.0);
      let x0 = sq(t, 0u, r0, inq);
      let rq = params.rowQuads;
      for (var c = 0u; c < fin / 4u; c++) {
        let w0 = wrow(w, fin, 4u * q, fout, c);
        let w1 = wrow(w, fin, 4u * q + 1u, fout, c);
        let w2 = wrow(w, fin, 4u * q + 2u, fout, c);
        let w3 = wrow(w, fin, 4u * q + 3u, fout, c);
        let m = mat4x4<f32>(w0, w1, w2, w3);
        a0 += scratch[x0 + c] * m;
        a1 += scratch[x0 + rq + c] * m;
        a2 += scratch[x0 + 2u * rq + c] * m;
        a3 += scratch[x0 + 3u * rq + c] * m;
        a4 += scratch[x0 + 4u * rq + c] * m;
        a5 += scratch[x0 + 5u * rq + c] * m;
        a6 += scratch[x0 + 6u * rq + c] * m;
        a7 += scratch[x0 + 7u * rq + c] * m;
      }
      let acc = array<vec4<f32>, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
      for (var k = 0u; k < 8u && r0 + k < n; k++) {
        var v = acc[k] + bias;
        if (!last) { v = act4(v); }
        scratch[sq(t, 0u, r0 + k, params.aq[l] + q)] = v;
      }
    }
  }
  sync();
}

fn forward(t: u32, lid: u32, pr: u32, n: u32) {
  forward0(t, lid, pr, n);
  for (var l = 1u; l < params.layers; l++) { forward_layer(t, lid, n, l); }
}

// Loss of n rows (rows r0.. of the task) weighted by 1 / batch per position (support: the row's
// share of the cycling positions), summed; writes the output deltas (scaled by the same weight,
// zero in the padding of the last quad).
fn loss_deltas(t: u32, lid: u32, r0: u32, n: u32) -> f32 {
  let O = params.outputs;
  let oq = params.aq[params.layers - 1u];
  let B = params.batch;
  let S = params.supportSize;
  var mine = 0.0;
  for (var r = lid; r < n; r += 16u) {
    var wr = 1.0 / f32(B);
    if (r0 == 0u) { wr = f32(B / S + select(0u, 1u, r < B % S)) / f32(B); }
    let sample = row_sample(t, r0 + r);
    var loss = 0.0;
    var label = 0u;
    var m = scratch[sq(t, 0u, r, oq)].x;
    var sum = 0.0;
    if (params.mse == 0u) {
      label = u32(trunc(y[sample * params.targetWidth]));
      if (params.labelWidth > 0u) {
        label = labelMap[ids[params.idsOffset + t] * params.labelWidth + label];
      }
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
    mine += wr * loss;
  }
  return reduce(lid, mine);
}

// Deltas of every hidden layer of n rows from the output deltas: input quad q of layer l, 8 rows
// at a time, over the quads of layer l's units.
fn backward(t: u32, lid: u32, n: u32) {
  for (var l = params.layers - 1u; l > 0u; l--) {
    let fin = params.widths[l];
    let fout = params.widths[l + 1u];
    let w = params.wo[l] - params.tail0;
    for (var q = lid; q < fin / 4u; q += 16u) {
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
        let rq = params.rowQuads;
        for (var c = 0u; c < (fout + 3u) / 4u; c++) {
          let m = mat4x4<f32>(
            wrow(w, fin, 4u * c, fout, q),
            wrow(w, fin, 4u * c + 1u, fout, q),
            wrow(w, fin, 4u * c + 2u, fout, q),
            wrow(w, fin, 4u * c + 3u, fout, q),
          );
          a0 += m * scratch[x0 + c];
          a1 += m * scratch[x0 + rq + c];
          a2 += m * scratch[x0 + 2u * rq + c];
          a3 += m * scratch[x0 + 3u * rq + c];
          a4 += m * scratch[x0 + 4u * rq + c];
          a5 += m * scratch[x0 + 5u * rq + c];
          a6 += m * scratch[x0 + 6u * rq + c];
          a7 += m * scratch[x0 + 7u * rq + c];
        }
        let acc = array<vec4<f32>, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
        for (var k = 0u; k < 8u && r0 + k < n; k++) {
          let a = scratch[sq(t, 0u, r0 + k, params.aq[l - 1u] + q)];
          scratch[sq(t, 1u, r0 + k, params.aq[l - 1u] + q)] = acc[k] * grad4(a);
        }
      }
    }
    sync();
  }
}

// This invocation's share of the squared global norm of the step's gradient: per layer sum over
// row pairs of (d_r . d_q)(a_r . a_q) (layer 0: the Gram matrix in proj), plus |sum_r d_r|^2 for
// the biases; with all = false only layer 0's weights (the first-layer term).
fn norm_part(t: u32, lid: u32, pr: u32, n: u32, all: bool) -> f32 {
  let H = params.hidden;
  let S = params.supportSize;
  var mine = 0.0;
  for (var p = lid; p < n * n; p += 16u) {
    let r = p / n;
    let q = p % n;
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
      mine += dd * aa;
    }
  }
  for (var c = lid; c < params.rowQuads && all; c += 16u) {
    var b = vec4<f32>(0.0);
    for (var r = 0u; r < n; r++) { b += scratch[sq(t, 1u, r, c)]; }
    mine += dot(b, b);
  }
  return mine;
}

// The tail's gradient over n rows for unit quad q of layer l, 8 rows at a time: g = sum_r d_r a_r
// per weight quad; tw[e] += scale * g (scale -lr to step, 1 to accumulate a gradient).
// Returns the sum of squares of the gradient entries it made (the whole gradient when n <= 8).
fn grad_layer(t: u32, lid: u32, n: u32, l: u32, scale: f32) -> f32 {
  var ss = 0.0;
  let fin = params.widths[l];
  let fout = params.widths[l + 1u];
  let w = params.wo[l] - params.tail0;
  let b = params.bo[l] - params.tail0;
  for (var q = lid; q < (fout + 3u) / 4u; q += 16u) {
    for (var r0 = 0u; r0 < n; r0 += 8u) {
      var d = array<vec4<f32>, 8>();
      var gb = vec4<f32>(0.0);
      for (var k = 0u; k < 8u && r0 + k < n; k++) {
        d[k] = scratch[sq(t, 1u, r0 + k, params.aq[l] + q)];
        gb += d[k];
      }
      ss += dot(gb, gb);
      for (var u = 0u; u < 4u && 4u * q + u < fout; u++) {
        let e = b + 4u * q + u;
        tw[e >> 2u][e & 3u] += scale * gb[u];
      }
      if (l == 0u) { continue; }
      for (var c = 0u; c < fin / 4u; c++) {
        var g = array<vec4<f32>, 4>();
        for (var k = 0u; k < 8u && r0 + k < n; k++) {
          let a = scratch[sq(t, 0u, r0 + k, params.aq[l - 1u] + c)];
          g[0] += d[k].x * a;
          g[1] += d[k].y * a;
          g[2] += d[k].z * a;
          g[3] += d[k].w * a;
        }
        for (var u = 0u; u < 4u && 4u * q + u < fout; u++) {
          let e = (w + (4u * q + u) * fin) / 4u + c;
          tw[e] += scale * g[u];
          ss += dot(g[u], g[u]);
        }
      }
    }
  }
  return ss;
}

// mode 0: an SGD step of the tail and A (A += lr d1) from the deltas of the n support rows;
// mode 1: the tail's gradient accumulated into tw (zeroed first) and the deltas d1 into d1q[t].
// Returns this invocation's share of the tail gradient's sum of squares (exact when n <= 8).
fn apply(t: u32, lid: u32, n: u32, mode: u32) -> f32 {
  let H = params.hidden;
  if (mode == 1u) {
    for (var k = lid; k < TAIL_QUADS; k += 16u) { tw[k] = vec4<f32>(0.0); }
    workgroupBarrier();
  }
  let scale = select(1.0, -params.lr, mode == 0u);
  var ss = 0.0;
  for (var l = 0u; l < params.layers; l++) { ss += grad_layer(t, lid, n, l, scale); }
  for (var j = lid; j < H; j += 16u) {
    for (var r = 0u; r < n; r++) {
      let d = scratch[sq(t, 1u, r, j / 4u)][j % 4u];
      if (mode == 0u) { A[(t * H + j) * params.supportSize + r] += params.lr * d; } else { d1q[(t * params.batch + r) * H + j] = d; }
    }
  }
  sync();
  return ss;
}

@compute @workgroup_size(16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = group_index(wid);
  if (t >= params.tasks) { return; }
  let H = params.hidden;
  let S = params.supportSize;
  let R = S + params.batch * params.withQuery;
  for (var k = lid; k < TAIL_QUADS; k += 16u) {
    var v = vec4<f32>(0.0);
    for (var i = 0u; i < 4u && 4u * k + i < params.tailCount; i++) { v[i] = theta[params.tail0 + 4u * k + i]; }
    tw[k] = v;
  }
  for (var j = lid; j < H; j += 16u) {
    for (var s = 0u; s < S; s++) { A[(t * H + j) * S + s] = 0.0; }
  }
  for (var k = lid; k < 2u * params.rowsMax * params.rowQuads; k += 16u) {
    scratch[(t * 2u * params.rowsMax) * params.rowQuads + k] = vec4<f32>(0.0);
  }
  sync();
  var quarantined = 0.0;
  var loss = 0.0;
  var norm = 0.0;
  for (var step = 0u; step < params.steps; step++) {
    forward(t, lid, t * R, S);
    loss = loss_deltas(t, lid, 0u, S);
    backward(t, lid, S);
    if (S <= 8u) {
      // One chunk of rows: the step is applied while its tail gradient's squares are summed (a
      // task found unhealthy here is flagged, and its A, tail and metrics are not used again).
      var part = norm_part(t, lid, t * R, S, false);
      if (quarantined == 0.0) { part += apply(t, lid, S, 0u); }
      norm = sqrt(reduce(lid, part));
      if (quarantined != 0.0 || !finite(loss) || !finite(norm)) { quarantined = 1.0; }
    } else {
      norm = sqrt(reduce(lid, norm_part(t, lid, t * R, S, true)));
      if (quarantined != 0.0 || !finite(loss) || !finite(norm)) {
        quarantined = 1.0;
      } else {
        _ = apply(t, lid, S, 0u);
      }
    }
  }
  if (params.withQuery != 0u) {
    forward(t, lid, t * R + S, params.batch);
    loss = loss_deltas(t, lid, S, params.batch);
    backward(t, lid, params.batch);
    _ = apply(t, lid, params.batch, 1u);
  }
  for (var k = lid; k < params.tailCount; k += 16u) { tails[t * params.tailCount + k] = tget(k); }
  if (lid == 0u) {
    let m = t * METRIC_STRIDE;
    metrics[m + METRIC_LOSS] = loss;
    metrics[m + METRIC_GRAD_NORM] = norm;
    metrics[m + METRIC_QUARANTINED] = quarantined;
    metrics[m + METRIC_PREV_LOSS] = 0.0;
  }
}
