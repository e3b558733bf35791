// meta_reptile_update: the Reptile meta-update (Nichol et al. 2018) of an initialization theta from
// the adapted parameters of a meta-batch: theta += metaLr * (mean over used models of adapted - theta).
// The models used are the healthy ones, meta_healthy of shaders/_meta_mean.wgsl (quarantine flag 0,
// finite loss and gradient norm; layout: learners/metrics_row.ts): the metrics row is the last inner
// step's, which sets the flag at a non-finite loss or norm, so here that is the flag alone. With
// none used, theta stays.
// CPU twin: reptileUpdateCpu in learners/meta_train/meta_reptile_update.ts.
// The mean over healthy models is healthy_sum/healthy_mean of shaders/_meta_mean.wgsl.
// The bindings and struct Params are declared in learners/meta_train/meta_reptile_update.ts.
// Bindings: 0 adapted (rows, rowStride) f32 read, model-major; 1 metrics (rows, METRIC_STRIDE) f32
//           read;
//           2 theta f32 rw (entries thetaOffset .. thetaOffset + n - 1); 3 params read (parameters).
// Models first .. first + models - 1 are the meta-batch. One invocation per parameter index i < n;
// dispatch: ceil(n / 64) workgroups of 64 (2-D grid of width gridX).

fn meta_terms(m: u32, i: u32) -> vec2<f32> {
  return vec2<f32>(adapted[m * params.rowStride + i], 0.0);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = grid_index(gid);
  if (i >= params.n) { return; }
  let h = healthy_sum(params.first, params.models, i);
  if (h.used == 0u) { return; }
  let t = theta[params.thetaOffset + i];
  theta[params.thetaOffset + i] = t + params.metaLr * (healthy_mean(h).x - t);
}
