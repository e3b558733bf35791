// lowrank_outer: the mean row of a factored meta-iteration over the tasks whose quarantine flag
// metrics[t * METRIC_STRIDE + METRIC_QUARANTINED] is 0 (n of them). FOMAML (withQuery = 1): the first
// layer's weights (1/n) sum_t sum_q d1q[t, q, j] x_{t, S + q}[i], the tail the mean of the tasks'
// tail gradient rows (0 when n = 0). Reptile (withQuery = 0): theta's first-layer weights minus
// (1/n) sum_t sum_s A[t, j, s] x_{t, s}[i], the tail the mean adapted tail (theta when n = 0).
// CPU twin: lowrankOuterCpu in learners/meta_train/lowrank_cpu.ts.
// The bindings and struct Params are declared in learners/meta_train/lowrank_kernels.ts.
// Bindings: theta (stride), x (count, inputs), A (tasks, H, S), tails (tasks, tailCount),
//           d1q (tasks, batch, H), metrics (tasks, METRIC_STRIDE) f32; ids, support, query u32
//           read; out (stride) f32 rw.
// Dispatch: workgroups [0, wGroups) each own 8 inputs i0..i0+7 (invocation j, j + 64, ... a
// hidden unit, 8 sums in registers, the rows' inputs read by all at one address); the following
// workgroups own 64 tail entries each.

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = group_index(wid);
  var n = 0u;
  for (var t = 0u; t < params.tasks; t++) {
    if (metrics[t * METRIC_STRIDE + METRIC_QUARANTINED] == 0.0) { n++; }
  }
  let S = params.supportSize;
  let fomaml = params.withQuery != 0u;
  if (g >= params.wGroups) {
    let e = (g - params.wGroups) * 64u + lid;
    if (e >= params.tailCount) { return; }
    var z = 0.0;
    for (var t = 0u; t < params.tasks; t++) {
      if (metrics[t * METRIC_STRIDE + METRIC_QUARANTINED] == 0.0) { z += tails[t * params.tailCount + e]; }
    }
    var v = 0.0;
    if (n > 0u) { v = z / f32(n); } else if (!fomaml) { v = theta[params.tail0 + e]; }
    out[params.tail0 + e] = v;
    return;
  }
  let D = params.inputs;
  let H = params.hidden;
  let B = params.batch;
  let i0 = g * 8u;
  var rowsPer = S;
  if (fomaml) { rowsPer = B; }
  for (var j = lid; j < H; j += 64u) {
    var acc = array<f32, 8>();
    for (var t = 0u; t < params.tasks; t++) {
      if (metrics[t * METRIC_STRIDE + METRIC_QUARANTINED] != 0.0) { continue; }
      for (var r = 0u; r < rowsPer; r++) {
        var u = 0.0;
        var xb = 0u;
        if (fomaml) {
          u = d1q[(t * B + r) * H + j];
          xb = row_sample(t, S + r) * D;
        } else {
          u = A[(t * H + j) * S + r];
          xb = row_sample(t, r) * D;
        }
        for (var k = 0u; k < 8u; k++) { acc[k] += u * x[xb + min(i0 + k, D - 1u)]; }
      }
    }
    for (var k = 0u; k < 8u; k++) {
      if (i0 + k >= D) { break; }
      let w = params.w0 + j * D + i0 + k;
      var mean = 0.0;
      if (n > 0u) { mean = acc[k] / f32(n); }
      if (fomaml) { out[w] = mean; } else { out[w] = theta[w] - mean; }
    }
  }
}
