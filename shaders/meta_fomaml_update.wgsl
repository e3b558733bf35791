// meta_fomaml_update: the first-order MAML meta-update (Finn et al. 2017, section 5.2): an Adam step
// (Kingma and Ba 2015) on theta from the mean query gradient of a meta-batch,
// g = mean over used models of grads, a non-finite g counting as 0;
// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; theta -= lr (m / c1) / (sqrt(v / c2) + eps),
// with c1 = 1 - b1^t and c2 = 1 - b2^t from the host. The models used are the healthy ones,
// meta_healthy of shaders/_meta_mean.wgsl: quarantine flag 0 and a finite loss and gradient norm
// in the metrics row (layout: learners/metrics_row.ts), so a task whose query pass gave a NaN loss
// or gradient is left out rather than turning the mean into NaN (which counts as 0).
// CPU twin: fomamlUpdateCpu in learners/meta_train/meta_fomaml_update.ts.
// The mean over healthy models is healthy_sum/healthy_mean of shaders/_meta_mean.wgsl; the Adam
// step is theta_adam_step of shaders/_meta_adam.wgsl.
// The bindings and struct Params are declared in learners/meta_train/meta_fomaml_update.ts.
// Bindings: 0 grads (rows, rowStride) f32 read, model-major; 1 metrics (rows, METRIC_STRIDE) f32
//           read;
//           2 theta f32 rw (from thetaOffset); 3 moments f32 rw (m from momentOffset, v from
//           momentOffset + vOffset); 4 gOut (n) f32 rw: the mean gradient g used (for the log);
//           5 params read (parameters).
// One invocation per parameter index i < n; dispatch: ceil(n / 64) workgroups of 64.

fn meta_terms(m: u32, i: u32) -> vec2<f32> {
  return vec2<f32>(grads[m * params.rowStride + i], 0.0);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = grid_index(gid);
  if (i >= params.n) { return; }
  theta_adam_step(i, healthy_mean(healthy_sum(params.first, params.models, i)).x);
}
