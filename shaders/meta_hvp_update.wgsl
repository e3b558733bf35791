// meta_hvp_update: the last part of one step back through an inner SGD step of second-order MAML
// when meta_hvp.wgsl ran the support batch in several dispatches (a software adapter's loop
// budget): v[p, i] <- v[p, i] - lr * hv[p, i] for every model p and parameter i < count, the loop
// meta_hvp runs itself when it takes the whole batch in one dispatch (same expression).
// CPU twin: hvpStepCpu in learners/meta_train/maml_cpu.ts (with meta_hvp).
// The bindings and struct Params are declared in learners/meta_train/meta_hvp.ts.
// Bindings: 0 hv (models, stride) f32 read; 1 v (models, stride) f32 rw; 2 params read
//           (parameters).
// One invocation per (model, parameter < count); dispatch: ceil(models * count / 64) workgroups
// of 64 (2-D grid of width gridX).

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = grid_index(gid);
  if (idx >= params.n) { return; }
  let k = (idx / params.count) * params.stride + idx % params.count;
  v[k] = v[k] - params.lr * hv[k];
}
