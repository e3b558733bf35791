// lowrank_inner: a task's whole inner loop of a factored meta-iteration (learners/meta_train/
// lowrank_loop.ts) in one workgroup: K SGD steps on its S support rows from theta, the first
// layer's weights kept as theta's (pre-activations proj[t, r, j] + b1[j] - sum_s A[t, j, s]
// proj[t, r, H + s]), the tail (the first layer's bias and the later layers) adapted in workgroup
// memory, each support row weighted by its share of the step's mean over `batch` cycling positions;
// the step's global gradient norm from Gram matrices; a task quarantined at a non-finite loss or
// norm is never updated again. Then FOMAML (withQuery = 1): the query pass over `batch` query rows at
// the adapted weights (mean loss, the tail's gradient into tails[t], the first-layer deltas into
// d1q[t]); Reptile: the adapted tail into tails[t]. metrics[t]: loss (the query pass's for
// FOMAML, else the last step's), gradNorm (the last step's), quarantine flag, 0.
// CPU twin: lowrankInnerCpu in learners/meta_train/lowrank_cpu.ts.
// The bindings and struct Params are declared in learners/meta_train/lowrank_kernels.ts;
// TAIL_FLOATS (>= tailCount) is a generated constant.
// Bindings: theta (stride), proj (tasks, R, H + S), y (count, targetWidth) f32; ids, support,
//           query, labelMap u32 read; A (tasks, H, S), tails (tasks, tailCount),
//           d1q (tasks, batch, H), metrics (tasks, METRIC_STRIDE), scratch (tasks, 2 rowsMax,
//           actWidth: activations, then deltas) f32 rw.
// Dispatch: one workgroup of 64 per task; invocation j (and j + 64, ...) owns unit j of a layer
// and works on 4 rows at a time; wo, bo, ao are the layout's offsets (weights, biases, activations).

var<workgroup> tw: array<f32, TAIL_FLOATS>;
var<workgroup> red: array<f32, 64>;

fn act(z: f32) -> f32 {
  if (params.relu != 0u) { return max(z, 0.0); }
  return tanh(z);
}

fn act_grad(a: f32) -> f32 {
  if (params.relu != 0u) { return select(0.0, 1.0, a > 0.0); }
  return 1.0 - a * a;
}

// Start of row r's activations (deltas: second = 1) of task t in scratch.
fn row_at(t: u32, second: u32, r: u32) -> u32 {
  return ((t * 2u + second) * params.rowsMax + r) * params.actWidth;
}

// Sum of every invocation's v, the same value in all of them.
fn reduce(lid: u32, v: f32) -> f32 {
  storageBarrier();
  red[lid] = v;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (lid < w) { red[lid] += red[lid + w]; }
    workgroupBarrier();
  }
  let s = workgroupUniformLoad(&red[0]);
  workgroupBarrier();
  return s;
}

// The 4 rows r0.. of a chunk (a row past n repeats row n - 1; its result is dropped).
fn rows4(t: u32, second: u32, r0: u32, n: u32) -> vec4<u32> {
  return vec4<u32>(
    row_at(t, second, r0),
    row_at(t, second, min(r0 + 1u, n - 1u)),
    row_at(t, second, min(r0 + 2u, n - 1u)),
    row_at(t, second, min(r0 + 3u, n - 1u)),
  );
}

fn at4(a: vec4<u32>, i: u32) -> vec4<f32> {
  return vec4<f32>(scratch[a.x + i], scratch[a.y + i], scratch[a.z + i], scratch[a.w + i]);
}

// Forward pass of n rows whose projections start at proj row pr.
fn forward(t: u32, lid: u32, pr: u32, n: u32) {
  let H = params.hidden;
  let S = params.supportSize;
  for (var j = lid; j < H; j += 64u) {
    for (var r = 0u; r < n; r++) {
      let p = (pr + r) * (H + S);
      var z = proj[p + j] + tw[j];
      for (var s = 0u; s < S; s++) { z -= A[(t * H + j) * S + s] * proj[p + H + s]; }
      scratch[row_at(t, 0u, r) + j] = act(z);
    }
  }
  storageBarrier();
  workgroupBarrier();
  for (var l = 1u; l < params.layers; l++) {
    let fin = params.widths[l];
    let w = params.wo[l] - params.tail0;
    let last = l + 1u == params.layers;
    for (var j = lid; j < params.widths[l + 1u]; j += 64u) {
      for (var r0 = 0u; r0 < n; r0 += 4u) {
        let a = rows4(t, 0u, r0, n) + vec4<u32>(params.ao[l - 1u]);
        var z = vec4<f32>(tw[params.bo[l] - params.tail0 + j]);
        for (var i = 0u; i < fin; i++) { z += tw[w + j * fin + i] * at4(a, i); }
        for (var k = 0u; k < 4u && r0 + k < n; k++) {
          var v = z[k];
          if (!last) { v = act(v); }
          scratch[row_at(t, 0u, r0 + k) + params.ao[l] + j] = v;
        }
      }
    }
    storageBarrier();
    workgroupBarrier();
  }
}

// Loss of n rows (rows r0.. of the task) weighted by 1 / batch per position (support: the row's
// share of the cycling positions), summed; writes the output deltas (scaled by the same weight).
fn loss_deltas(t: u32, lid: u32, r0: u32, n: u32) -> f32 {
  let O = params.outputs;
  let last = params.ao[params.layers - 1u];
  let B = params.batch;
  let S = params.supportSize;
  var mine = 0.0;
  for (var r = lid; r < n; r += 64u) {
    var wr = 1.0 / f32(B);
    if (r0 == 0u) { wr = f32(B / S + select(0u, 1u, r < B % S)) / f32(B); }
    let sample = row_sample(t, r0 + r);
    let a = row_at(t, 0u, r) + last;
    let d = row_at(t, 1u, r) + last;
    var loss = 0.0;
    if (params.mse != 0u) {
      for (var k = 0u; k < O; k++) {
        let diff = scratch[a + k] - y[sample * params.targetWidth + k];
        loss += diff * diff;
        scratch[d + k] = 2.0 * diff / f32(O) * wr;
      }
      loss /= f32(O);
    } else {
      var label = u32(trunc(y[sample * params.targetWidth]));
      if (params.labelWidth > 0u) {
        label = labelMap[ids[params.idsOffset + t] * params.labelWidth + label];
      }
      label = min(label, O - 1u);
      var m = scratch[a];
      for (var k = 1u; k < O; k++) { m = max(m, scratch[a + k]); }
      var sum = 0.0;
      for (var k = 0u; k < O; k++) { sum += exp(scratch[a + k] - m); }
      for (var k = 0u; k < O; k++) {
        let p = exp(scratch[a + k] - m) / sum;
        scratch[d + k] = (p - select(0.0, 1.0, k == label)) * wr;
      }
      loss = log(sum) + m - scratch[a + label];
    }
    mine += wr * loss;
  }
  return reduce(lid, mine);
}

// Deltas of every hidden layer of n rows from the output deltas.
fn backward(t: u32, lid: u32, n: u32) {
  for (var l = params.layers - 1u; l > 0u; l--) {
    let fin = params.widths[l];
    let fout = params.widths[l + 1u];
    let w = params.wo[l] - params.tail0;
    for (var i = lid; i < fin; i += 64u) {
      for (var r0 = 0u; r0 < n; r0 += 4u) {
        let d = rows4(t, 1u, r0, n) + vec4<u32>(params.ao[l]);
        var z = vec4<f32>(0.0);
        for (var j = 0u; j < fout; j++) { z += tw[w + j * fin + i] * at4(d, j); }
        for (var k = 0u; k < 4u && r0 + k < n; k++) {
          let a = scratch[row_at(t, 0u, r0 + k) + params.ao[l - 1u] + i];
          scratch[row_at(t, 1u, r0 + k) + params.ao[l - 1u] + i] = z[k] * act_grad(a);
        }
      }
    }
    storageBarrier();
    workgroupBarrier();
  }
}

// Squared global norm of the step's gradient: per layer sum over row pairs of (d_r . d_q)
// (a_r . a_q) (layer 0: the Gram matrix in proj), plus |sum_r d_r|^2 for the biases.
fn norm_sq(t: u32, lid: u32, pr: u32, n: u32) -> f32 {
  let H = params.hidden;
  let S = params.supportSize;
  var mine = 0.0;
  for (var p = lid; p < n * n; p += 64u) {
    let r = p / n;
    let q = p % n;
    for (var l = 0u; l < params.layers; l++) {
      var dd = 0.0;
      for (var j = 0u; j < params.widths[l + 1u]; j++) {
        dd += scratch[row_at(t, 1u, r) + params.ao[l] + j] * scratch[row_at(t, 1u, q) + params.ao[l] + j];
      }
      var aa = 0.0;
      if (l == 0u) {
        aa = proj[(pr + q) * (H + S) + H + r];
      } else {
        for (var i = 0u; i < params.widths[l]; i++) {
          aa += scratch[row_at(t, 0u, r) + params.ao[l - 1u] + i] * scratch[row_at(t, 0u, q) + params.ao[l - 1u] + i];
        }
      }
      mine += dd * aa;
    }
  }
  for (var u = lid; u < params.actWidth; u += 64u) {
    var b = 0.0;
    for (var r = 0u; r < n; r++) { b += scratch[row_at(t, 1u, r) + u]; }
    mine += b * b;
  }
  return reduce(lid, mine);
}

// The tail's gradient over n rows, 4 rows at a time: mode 0 steps the tail by -lr g (and A by
// lr d1); mode 1 writes g into tails[t] (and the deltas d1 into d1q[t]).
fn apply(t: u32, lid: u32, n: u32, mode: u32) {
  let tc = params.tailCount;
  for (var l = 0u; l < params.layers; l++) {
    let fin = params.widths[l];
    let w = params.wo[l] - params.tail0;
    let b = params.bo[l] - params.tail0;
    for (var j = lid; j < params.widths[l + 1u]; j += 64u) {
      for (var r0 = 0u; r0 < n; r0 += 4u) {
        var dv = vec4<f32>(0.0);
        for (var k = 0u; k < 4u && r0 + k < n; k++) { dv[k] = scratch[row_at(t, 1u, r0 + k) + params.ao[l] + j]; }
        let gb = dv.x + dv.y + dv.z + dv.w;
        if (mode == 0u) { tw[b + j] -= params.lr * gb; } else if (r0 == 0u) { tails[t * tc + b + j] = gb; } else { tails[t * tc + b + j] += gb; }
        if (l == 0u) { continue; }
        let a = rows4(t, 0u, r0, n) + vec4<u32>(params.ao[l - 1u]);
        for (var i = 0u; i < fin; i++) {
          let g = dot(dv, at4(a, i));
          let e = w + j * fin + i;
          if (mode == 0u) { tw[e] -= params.lr * g; } else if (r0 == 0u) { tails[t * tc + e] = g; } else { tails[t * tc + e] += g; }
        }
      }
    }
  }
  let H = params.hidden;
  for (var j = lid; j < H; j += 64u) {
    for (var r = 0u; r < n; r++) {
      let d = scratch[row_at(t, 1u, r) + j];
      if (mode == 0u) { A[(t * H + j) * params.supportSize + r] += params.lr * d; } else { d1q[(t * params.batch + r) * H + j] = d; }
    }
  }
  storageBarrier();
  workgroupBarrier();
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = group_index(wid);
  if (t >= params.tasks) { return; }
  let H = params.hidden;
  let S = params.supportSize;
  let R = S + params.batch * params.withQuery;
  for (var k = lid; k < params.tailCount; k += 64u) { tw[k] = theta[params.tail0 + k]; }
  for (var j = lid; j < H; j += 64u) {
    for (var s = 0u; s < S; s++) { A[(t * H + j) * S + s] = 0.0; }
  }
  workgroupBarrier();
  var quarantined = 0.0;
  var loss = 0.0;
  var norm = 0.0;
  for (var step = 0u; step < params.steps; step++) {
    forward(t, lid, t * R, S);
    loss = loss_deltas(t, lid, 0u, S);
    backward(t, lid, S);
    norm = sqrt(norm_sq(t, lid, t * R, S));
    if (quarantined != 0.0 || !finite(loss) || !finite(norm)) {
      quarantined = 1.0;
    } else {
      apply(t, lid, S, 0u);
    }
  }
  if (params.withQuery != 0u) {
    forward(t, lid, t * R + S, params.batch);
    loss = loss_deltas(t, lid, S, params.batch);
    backward(t, lid, params.batch);
    apply(t, lid, params.batch, 1u);
  } else {
    for (var k = lid; k < params.tailCount; k += 64u) { tails[t * params.tailCount + k] = tw[k]; }
  }
  if (lid == 0u) {
    let m = t * METRIC_STRIDE;
    metrics[m + METRIC_LOSS] = loss;
    metrics[m + METRIC_GRAD_NORM] = norm;
    metrics[m + METRIC_QUARANTINED] = quarantined;
    metrics[m + METRIC_PREV_LOSS] = 0.0;
  }
}
