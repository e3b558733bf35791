// bbob_eval: f - f_opt of the held-out BBOB suite for every candidate of S strategy instances.
// The functions are shaders/_bbob.wgsl (composed before this file). Twin: bbobBatch in
// learners/tasks/bbob.ts. The bindings and struct Params are declared in
// learners/strategies/bbob_device.ts.
// Bindings: 0 x (S, N, D) f32 read, 1 header (S, 4) u32 read (fid, dim, offset of x_opt, pad),
// 2 inst f32 read (per instance: x_opt (D), R (D, D), Q (D, D) row-major, from `offset`),
// 3 fitness (S, N) f32 rw, 4 params read.
// One invocation per candidate, each instance's N candidates padded to a multiple of 8 invocations
// (N8 = ceil(N / 8) * 8), so that no SIMD group of 8 lanes holds candidates of two instances (on
// lavapipe such a group runs the loops of both functions, past its loop cap at large D:
// bbobLoopIterations in learners/strategies/bbob_device.ts); D <= BBOB_MAXD.
// Dispatch: ceil(S*N8 / 64) workgroups of 64.

// First coordinate of the candidate being evaluated.
var<private> xrow: u32;

fn bbob_x(i: u32) -> f32 { return x[xrow + i]; }
fn bbob_data(i: u32) -> f32 { return inst[i]; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = grid_index(gid);
  let n8 = (params.N + 7u) / 8u * 8u;
  if (e >= params.S * n8) { return; }
  let s = e / n8;
  let i = e - s * n8;
  if (i >= params.N) { return; }
  let c = s * params.N + i;
  xrow = c * params.D;
  fitness[c] = bbob_value(header[s * 4u], header[s * 4u + 1u], header[s * 4u + 2u]);
}
