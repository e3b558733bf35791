// meta_tile: every model of a population starts from the initialization theta:
// params[p * stride + i] = theta[i] for p < models, i < stride.
// CPU twin: tileParams in learners/meta_train/meta_tile.ts.
// The bindings and struct Params are declared in learners/meta_train/meta_tile.ts.
// Bindings: 0 theta (stride) f32 read; 1 params (models, stride) f32 rw; 2 params_in read
//           (parameters).
// One invocation per entry of params; dispatch: ceil(models * stride / 64) workgroups of 64
// (2-D grid of width gridX).

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = grid_index(gid);
  if (idx >= params.n) { return; }
  rows[idx] = theta[idx % params.stride];
}
