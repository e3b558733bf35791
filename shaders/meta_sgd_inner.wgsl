// meta_sgd_inner: one inner step of Meta-SGD (Li et al. 2017) for every model of a meta-batch,
// with the learned per-parameter rates alpha: params[p, i] -= alpha[i] * g[p, i] and
// sumG[p, i] += g[p, i] (the support-gradient sum of the first-order alpha gradient), for the
// entries whose gradient is finite (the others are left alone).
// CPU twin: metaSgdInnerCpu in learners/meta_train/meta_sgd_inner.ts.
// The bindings and struct Params are declared in learners/meta_train/meta_sgd_inner.ts.
// Bindings: 0 grads (models, stride) f32 read; 1 alpha (stride) f32 read; 2 rows (models, stride)
//           f32 rw; 3 sumG (models, stride) f32 rw; 4 params read (parameters).
// One invocation per (model, parameter < count); dispatch: ceil(models * count / 64) workgroups
// of 64 (2-D grid of width gridX).

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = grid_index(gid);
  if (idx >= params.n) { return; }
  let i = idx % params.count;
  let k = (idx / params.count) * params.stride + i;
  let g = grads[k];
  if (!finite(g)) { return; }
  rows[k] = rows[k] - alpha[i] * g;
  sumG[k] = sumG[k] + g;
}
