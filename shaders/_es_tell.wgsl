// _es_tell: what the per-coordinate strategy tells (es_openai_tell, es_snes_tell, es_pgpe_tell)
// share: their first four bindings and the reads of candidate i of instance s. The kernel declares
// `struct Params` with fields S, D, N and gridX, binds it as params_in after these four and
// composes it after shaders/_grid.wgsl. One invocation per (instance s, coordinate d), k = s*D + d.
// Bindings: 0 z (S, N, D) f32 read, 1 w (S, N) f32 read, 2 mean (S, D) f32 rw, 3 scale (S, D) f32 rw.

@group(0) @binding(0) var<storage, read> z: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> scale: array<f32>;

// The noise z[s, i, d] of candidate i of instance s.
fn z_of(s: u32, i: u32, d: u32) -> f32 {
  return z[(s * params.N + i) * params.D + d];
}

// The rank weight w[s, i] of candidate i of instance s.
fn w_of(s: u32, i: u32) -> f32 {
  return w[s * params.N + i];
}
