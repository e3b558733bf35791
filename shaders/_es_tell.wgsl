// _es_tell: what the per-coordinate strategy tells (es_openai_tell, es_snes_tell, es_pgpe_tell)
// share: the entry point, one invocation per (instance s, coordinate d) that calls the kernel's
// `fn tell(k: u32, s: u32, d: u32)` with k = s * D + d, and the reads of candidate i of instance s.
// The kernel that includes it declares the bindings z (S, N, D) and w (S, N) and `struct Params`
// with fields S, D, N and gridX (composed after shaders/_grid.wgsl).
// CPU twin: forEachTellCoordinate in learners/strategies/tell_cpu.ts.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = grid_index(gid);
  if (k >= params.S * params.D) { return; }
  tell(k, k / params.D, k % params.D);
}

// The noise z[s, i, d] of candidate i of instance s.
fn z_of(s: u32, i: u32, d: u32) -> f32 {
  return z[(s * params.N + i) * params.D + d];
}

// The rank weight w[s, i] of candidate i of instance s.
fn w_of(s: u32, i: u32) -> f32 {
  return w[s * params.N + i];
}
