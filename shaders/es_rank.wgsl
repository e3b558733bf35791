// es_rank: weight of every candidate from its rank in its own instance.
// Twin: rankWeightsCpu in learners/strategies/strategy.ts.
// The bindings and struct Params are declared in learners/strategies/strategy_kernels.ts.
// Bindings: 0 fitness (S, N) f32 read, 1 table (N) f32 read, 2 w (S, N) f32 rw, 3 params read.
// rank = #{j : f_j < f_i or (f_j == f_i and j < i)} with NaN as +infinity; w = table[rank].
// Dispatch: ceil(S*N / 64) workgroups of 64.

fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// Whether candidate (fj, j) ranks before (fi, i): lower fitness first, NaN last, ties by index.
fn before(fj: f32, j: u32, fi: f32, i: u32) -> bool {
  let nj = is_nan(fj);
  let ni = is_nan(fi);
  if (nj || ni) { return (!nj && ni) || (nj && ni && j < i); }
  return fj < fi || (fj == fi && j < i);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = grid_index(gid);
  if (e >= params.S * params.N) { return; }
  let s = e / params.N;
  let i = e % params.N;
  let fi = fitness[e];
  var rank = 0u;
  for (var j = 0u; j < params.N; j++) {
    if (before(fitness[s * params.N + j], j, fi, i)) { rank++; }
  }
  w[e] = table[rank];
}
