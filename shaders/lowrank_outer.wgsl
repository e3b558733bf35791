// lowrank_outer: the mean row of a factored meta-iteration over the healthy tasks (n of them):
// meta_healthy of shaders/_meta_mean.wgsl, quarantine flag 0 and a finite loss and gradient norm
// (FOMAML's loss is the query pass's, which lowrank_inner does not quarantine: a task whose query
// loss is NaN is left out here, as the main loop's update kernels leave it out). FOMAML (withQuery = 1): the first
// layer's weights (1/n) sum_t sum_q d1q[t, q, j] x_{t, S + q}[i], the tail the mean of the tasks'
// tail gradient rows (0 when n = 0). Reptile (withQuery = 0): theta's first-layer weights minus
// (1/n) sum_t sum_s A[t, j, s] x_{t, s}[i], the tail the mean adapted tail (theta when n = 0).
// CPU twin: lowrankOuterCpu in learners/meta_train/lowrank_cpu.ts.
// The bindings and struct Params are declared in learners/meta_train/lowrank_kernels.ts.
// Bindings: theta (stride), x (count, inputs), A (tasks, H, S), tails (tasks, tailStride),
//           d1q (tasks, batch, H), metrics (tasks, METRIC_STRIDE) f32; samples (tasks, rows) u32
//           read: each row's data-set row (from lowrank_project); out (stride) f32 rw.
// Bindings x4, d1q4: x and d1q as vec4 (read when quads = 1: inputs and H multiples of 4).
// Dispatch: workgroups [0, wGroups) own the first layer: with quads, invocation k of the grid owns
// units 4 (k % (H/4)) .. + 3 and inputs 16 (k / (H/4)) .. + 15 (16 vec4 sums in registers; per row
// one vec4 of deltas and 4 of inputs), else each workgroup owns 8 inputs and invocation j a unit;
// the following workgroups own 64 tail entries each. An invocation loops over every task's rows,
// counted against a software adapter's loop budget by learners/meta_train/lowrank_budget.ts.

// The tail's terms for healthy_sum (shaders/_meta_mean.wgsl): task t's entry e.
fn meta_terms(t: u32, e: u32) -> vec2<f32> {
  return vec2<f32>(tails[t * params.tailStride + e], 0.0);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = group_index(wid);
  var n = 0u;
  for (var t = 0u; t < params.tasks; t++) {
    if (meta_healthy(t)) { n++; }
  }
  let S = params.supportSize;
  let fomaml = params.withQuery != 0u;
  if (g >= params.wGroups) {
    let e = (g - params.wGroups) * 64u + lid;
    if (e >= params.tailCount) { return; }
    let h = healthy_sum(0u, params.tasks, e);
    var v = healthy_mean(h).x;
    if (h.used == 0u && !fomaml) { v = theta[params.tail0 + e]; }
    out[params.tail0 + e] = v;
    return;
  }
  if (params.quads != 0u) {
    outer4(g * 64u + lid, n);
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
      if (!meta_healthy(t)) { continue; }
      for (var r = 0u; r < rowsPer; r++) {
        var u = 0.0;
        var xb = 0u;
        if (fomaml) {
          u = d1q[(t * B + r) * H + j];
          xb = samples[t * params.rows + S + r] * D;
        } else {
          u = A[(t * H + j) * S + r];
          xb = samples[t * params.rows + r] * D;
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

// The first layer with vec4 loads: grid index k owns a block of 4 units x 16 inputs.
fn outer4(k: u32, n: u32) {
  let H4 = params.hidden / 4u;
  let D4 = params.inputs / 4u;
  let jq = k % H4;
  let c0 = (k / H4) * 4u;
  if (c0 >= D4) { return; }
  let S = params.supportSize;
  let B = params.batch;
  let fomaml = params.withQuery != 0u;
  var rowsPer = S;
  if (fomaml) { rowsPer = B; }
  var g = array<vec4<f32>, 16>();
  for (var t = 0u; t < params.tasks; t++) {
    if (!meta_healthy(t)) { continue; }
    if (fomaml) {
      for (var r = 0u; r < B; r++) {
        g = add_row(g, d1q4[(t * B + r) * H4 + jq], samples[t * params.rows + S + r] * D4 + c0, D4 - 1u - c0);
      }
    } else {
      for (var r = 0u; r < S; r++) {
        let a = (t * params.hidden + 4u * jq) * S + r;
        let u = vec4<f32>(A[a], A[a + S], A[a + 2u * S], A[a + 3u * S]);
        g = add_row(g, u, samples[t * params.rows + r] * D4 + c0, D4 - 1u - c0);
      }
    }
  }
  for (var uu = 0u; uu < 4u; uu++) {
    for (var cc = 0u; cc < 4u && c0 + cc < D4; cc++) {
      var mean = vec4<f32>(0.0);
      if (n > 0u) { mean = g[uu * 4u + cc] / f32(n); }
      let w = (params.w0 + (4u * jq + uu) * params.inputs) / 4u + c0 + cc;
      if (fomaml) { out4[w] = mean; } else { out4[w] = theta4[w] - mean; }
    }
  }
}

// g[4 uu + cc] += dv[uu] * (input quad cc of the row at x4[xb..]), quads past `last` clamped.
fn add_row(g0: array<vec4<f32>, 16>, dv: vec4<f32>, xb: u32, last: u32) -> array<vec4<f32>, 16> {
  var g = g0;
  let x0 = x4[xb];
  let x1 = x4[xb + min(1u, last)];
  let x2 = x4[xb + min(2u, last)];
  let x3 = x4[xb + min(3u, last)];
  g[0] += dv.x * x0; g[1] += dv.x * x1; g[2] += dv.x * x2; g[3] += dv.x * x3;
  g[4] += dv.y * x0; g[5] += dv.y * x1; g[6] += dv.y * x2; g[7] += dv.y * x3;
  g[8] += dv.z * x0; g[9] += dv.z * x1; g[10] += dv.z * x2; g[11] += dv.z * x3;
  g[12] += dv.w * x0; g[13] += dv.w * x1; g[14] += dv.w * x2; g[15] += dv.w * x3;
  return g;
}
