// meta_fomaml_update: the first-order MAML meta-update (Finn et al. 2017, section 5.2): an Adam step
// (Kingma and Ba 2015) on theta from the mean query gradient of a meta-batch,
// g = mean over used models of grads, a non-finite g counting as 0;
// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; theta -= lr (m / c1) / (sqrt(v / c2) + eps),
// with c1 = 1 - b1^t and c2 = 1 - b2^t from the host. A model is skipped when its quarantine flag
// metrics[m * METRIC_STRIDE + METRIC_QUARANTINED] != 0 (layout: learners/metrics_row.ts).
// CPU twin: fomamlUpdateCpu in learners/meta_train/meta_fomaml_update.ts.
// The mean over healthy models is healthy_sum/healthy_mean of shaders/_meta_mean.wgsl; the Adam
// step is theta_adam_step of shaders/_meta_adam.wgsl.
// Bindings: 0 grads (rows, rowStride) f32 read, model-major; 1 metrics (rows, METRIC_STRIDE) f32
//           read;
//           2 theta f32 rw (from thetaOffset); 3 moments f32 rw (m from momentOffset, v from
//           momentOffset + vOffset); 4 gOut (n) f32 rw: the mean gradient g used (for the log);
//           5 params read (parameters).
// One invocation per parameter index i < n; dispatch: ceil(n / 64) workgroups of 64.

struct Params {
  n: u32,
  models: u32,
  first: u32,
  rowStride: u32,
  thetaOffset: u32,
  momentOffset: u32,
  vOffset: u32,
  gridX: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  c1: f32,
  c2: f32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<storage, read> grads: array<f32>;
@group(0) @binding(1) var<storage, read> metrics: array<f32>;
@group(0) @binding(2) var<storage, read_write> theta: array<f32>;
@group(0) @binding(3) var<storage, read_write> moments: array<f32>;
@group(0) @binding(4) var<storage, read_write> gOut: array<f32>;
@group(0) @binding(5) var<storage, read> params_in: Params;

fn meta_terms(m: u32, i: u32) -> vec2<f32> {
  return vec2<f32>(grads[m * params.rowStride + i], 0.0);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = grid_index(gid);
  if (i >= params.n) { return; }
  theta_adam_step(i, healthy_mean(healthy_sum(params.first, params.models, i)).x);
}
