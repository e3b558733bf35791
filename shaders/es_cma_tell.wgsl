// es_cma_tell: CMA-ES mean, paths, step size and covariance update (Hansen 2016, eqs. 39-47,
// positive weights), one workgroup per instance; sep-CMA-ES (diagonal C) when separable = 1.
// Twin: cmaCoreUpdateCpu in learners/strategies/cma_update.ts. The eigendecomposition that
// refreshes B and the ask's transform runs on the host (cmaDecompose), every few generations.
// The bindings and struct Params are declared in learners/strategies/strategy_kernels.ts.
// Bindings: 0 x (S, N, D) f32 read, 1 z (S, N, D) f32 read, 2 w (S, N) f32 read, 3 B (S, D, D)
// f32 read (unused when separable), 4 mean (S, D) f32 rw, 5 C (S, D, D) or (S, D) f32 rw,
// 6 paths (S, 2D + 1) f32 rw (ps, pc, sigma), 7 scale (S, D) f32 rw, 8 scratch (S, 3, D) f32 rw
// (old mean, yw, zw), 9 params read. Dispatch: S workgroups of 64 (x, y grid by gridX).

var<workgroup> red: array<f32, 64>;

// Sum of v over the 64 invocations (all must call it).
fn wg_sum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var h = 32u; h > 0u; h = h / 2u) {
    if (lid < h) { red[lid] = red[lid] + red[lid + h]; }
    workgroupBarrier();
  }
  let out = red[0];
  workgroupBarrier();
  return out;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let s = group_index(wid);
  if (s >= params.S) { return; }
  let D = params.D;
  let N = params.N;
  let pb = s * (2u * D + 1u);
  let sb = s * 3u * D;
  let sig = paths[pb + 2u * D];
  for (var d = lid; d < D; d += 64u) {
    let om = mean[s * D + d];
    var yw = 0.0;
    var zw = 0.0;
    for (var i = 0u; i < N; i++) {
      let e = (s * N + i) * D + d;
      yw += w[s * N + i] * ((x[e] - om) / sig);
      zw += w[s * N + i] * z[e];
    }
    scratch[sb + d] = om;
    scratch[sb + D + d] = yw;
    scratch[sb + 2u * D + d] = zw;
  }
  storageBarrier();
  workgroupBarrier();
  let cps = sqrt(params.cs * (2.0 - params.cs) * params.mueff);
  var part = 0.0;
  for (var d = lid; d < D; d += 64u) {
    mean[s * D + d] = scratch[sb + d] + sig * scratch[sb + D + d];
    var bz = scratch[sb + 2u * D + d];
    if (params.separable == 0u) {
      bz = 0.0;
      for (var k = 0u; k < D; k++) { bz += B[(s * D + d) * D + k] * scratch[sb + 2u * D + k]; }
    }
    let ps = (1.0 - params.cs) * paths[pb + d] + cps * bz;
    paths[pb + d] = ps;
    part += ps * ps;
  }
  let psNorm = sqrt(wg_sum(lid, part));
  let t = f32(params.generation + 1u);
  let corr = sqrt(1.0 - pow(1.0 - params.cs, 2.0 * t));
  var hsig = 0.0;
  if (psNorm / corr / params.chiN < params.hsigBound) { hsig = 1.0; }
  let cpc = hsig * sqrt(params.cc * (2.0 - params.cc) * params.mueff);
  for (var d = lid; d < D; d += 64u) {
    paths[pb + D + d] = (1.0 - params.cc) * paths[pb + D + d] + cpc * scratch[sb + D + d];
  }
  storageBarrier();
  workgroupBarrier();
  let decay = 1.0 - params.c1 - params.cmu + (1.0 - hsig) * params.c1 * params.cc * (2.0 - params.cc);
  let newSig = sig * exp(params.cs / params.ds * (psNorm / params.chiN - 1.0));
  var count = D * D;
  if (params.separable == 1u) { count = D; }
  for (var e = lid; e < count; e += 64u) {
    var j = e / D;
    var k = e % D;
    if (params.separable == 1u) { j = e; k = e; }
    var rankMu = 0.0;
    for (var i = 0u; i < N; i++) {
      let r = (s * N + i) * D;
      let yj = (x[r + j] - scratch[sb + j]) / sig;
      let yk = (x[r + k] - scratch[sb + k]) / sig;
      rankMu += w[s * N + i] * yj * yk;
    }
    var idx = (s * D + j) * D + k;
    if (params.separable == 1u) { idx = s * D + j; }
    let c = decay * C[idx] + params.c1 * paths[pb + D + j] * paths[pb + D + k] + params.cmu * rankMu;
    C[idx] = c;
    if (params.separable == 1u) { scale[s * D + j] = newSig * sqrt(max(0.0, c)); }
  }
  if (params.separable == 0u) {
    for (var d = lid; d < D; d += 64u) { scale[s * D + d] = newSig; }
  }
  storageBarrier();
  workgroupBarrier();
  if (lid == 0u) { paths[pb + 2u * D] = newSig; }
}
