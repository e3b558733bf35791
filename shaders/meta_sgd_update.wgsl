// meta_sgd_update: the first-order Meta-SGD meta-update (Li et al. 2017): with the query gradient
// gq and the sum of the K support gradients gs of each model at its adapted weights,
// g_theta = mean over used models of gq, g_alpha = mean over used models of -gq * gs (non-finite
// means count as 0); Adam steps on theta (lr) and on the per-parameter inner rates alpha (alphaLr),
// as in meta_fomaml_update, with the same t; then alpha is clamped to [0, alphaMax].
// The models used are the healthy ones, meta_healthy of shaders/_meta_mean.wgsl: quarantine flag 0
// and a finite (query) loss and gradient norm in the metrics row (layout: learners/metrics_row.ts).
// CPU twin: metaSgdUpdateCpu in learners/meta_train/meta_sgd_update.ts.
// The mean over healthy models is healthy_sum/healthy_mean of shaders/_meta_mean.wgsl.
// The bindings and struct Params are declared in learners/meta_train/meta_sgd_update.ts.
// Bindings: 0 queryGrads (rows, rowStride) f32 read; 1 supportGradSums (rows, rowStride) f32 read;
//           2 metrics (rows, METRIC_STRIDE) f32 read; 3 theta f32 rw; 4 alpha f32 rw;
//           5 moments (4, n) f32 rw: m_theta, v_theta, m_alpha, v_alpha; 6 gOut (n) f32 rw: g_theta
//           used (for the log); 7 params read (parameters).
// One invocation per parameter index i < n; dispatch: ceil(n / 64) workgroups of 64.

fn meta_terms(m: u32, i: u32) -> vec2<f32> {
  let q = queryGrads[m * params.rowStride + i];
  return vec2<f32>(q, -q * supportGradSums[m * params.rowStride + i]);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = grid_index(gid);
  if (i >= params.n) { return; }
  let g = healthy_mean(healthy_sum(0u, params.models, i));
  var gT = g.x;
  var gA = g.y;
  if (!finite(gT)) { gT = 0.0; }
  if (!finite(gA)) { gA = 0.0; }
  gOut[i] = gT;
  let n = params.n;
  let mT = adam_m(moments[i], gT, params.beta1);
  let vT = adam_v(moments[n + i], gT, params.beta2);
  let mA = adam_m(moments[2u * n + i], gA, params.beta1);
  let vA = adam_v(moments[3u * n + i], gA, params.beta2);
  moments[i] = mT;
  moments[n + i] = vT;
  moments[2u * n + i] = mA;
  moments[3u * n + i] = vA;
  theta[i] = theta[i] - params.lr * adam_step(mT, vT, params.c1, params.c2, params.eps);
  let a = alpha[i] - params.alphaLr * adam_step(mA, vA, params.c1, params.c2, params.eps);
  alpha[i] = min(params.alphaMax, max(0.0, a));
}
