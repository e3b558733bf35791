// es_ask: one generation's noise and candidates for S independent strategy instances.
// Twin: askCpu in learners/strategies/strategy.ts.
// The bindings and struct Params are declared in learners/strategies/strategy_kernels.ts.
// Bindings: 0 mean (S, D) f32 read, 1 scale (S, D) f32 read, 2 transform (S, D, D) f32 read
// (unused unless full = 1), 3 z (S, N, D) f32 rw, 4 x (S, N, D) f32 rw, 5 params read.
// Entry `noise`: z[s,i,d] = sign * rng_normal(seed, generation, s*N + j, d) with j = i, or for
// antithetic pairs j = i - i%2 and sign = -1 for odd i. Entry `candidates` (after `noise`):
// x = mean + scale * (A z or z). Dispatch: ceil(S*N*D / 64) workgroups of 64 for each.

@compute @workgroup_size(64)
fn noise(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = grid_index(gid);
  if (e >= params.S * params.N * params.D) { return; }
  let d = e % params.D;
  let row = e / params.D;
  let i = row % params.N;
  let s = row / params.N;
  var j = i;
  var sign = 1.0;
  if (params.antithetic == 1u) {
    j = i - i % 2u;
    if (i % 2u == 1u) { sign = -1.0; }
  }
  z[e] = sign * rng_normal(params.seed, params.generation, s * params.N + j, d);
}

@compute @workgroup_size(64)
fn candidates(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = grid_index(gid);
  let D = params.D;
  if (e >= params.S * params.N * D) { return; }
  let d = e % D;
  let row = e / D;
  let s = row / params.N;
  var y = z[e];
  if (params.full == 1u) {
    y = 0.0;
    for (var k = 0u; k < D; k++) {
      y += transform[(s * D + d) * D + k] * z[row * D + k];
    }
  }
  x[e] = mean[s * D + d] + scale[s * D + d] * y;
}
