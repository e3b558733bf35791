// _es_tell: what the per-coordinate strategy tells (es_openai_tell, es_snes_tell, es_pgpe_tell)
// share: the reads of candidate i of instance s. The kernel that includes it declares the bindings
// z (S, N, D) and w (S, N) and `struct Params` with fields D and N. One invocation per (instance s,
// coordinate d), k = s*D + d.

// The noise z[s, i, d] of candidate i of instance s.
fn z_of(s: u32, i: u32, d: u32) -> f32 {
  return z[(s * params.N + i) * params.D + d];
}

// The rank weight w[s, i] of candidate i of instance s.
fn w_of(s: u32, i: u32) -> f32 {
  return w[s * params.N + i];
}
