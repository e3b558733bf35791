// _meta_mean: the mean over healthy models shared by the meta-update kernels (meta_reptile_update,
// meta_fomaml_update, meta_sgd_update) and meta_log. healthy_sum(first, models, i) adds the two
// per-model terms meta_terms(m, i) of entry i over the models m = first .. first + models - 1 whose
// quarantine flag metrics[m * METRIC_STRIDE + METRIC_QUARANTINED] is 0
// (learners/metrics_row.ts), in model order, and counts them; healthy_mean divides
// (0 when no model is used). The kernel that includes it declares the `metrics` binding and
// defines `fn meta_terms(m: u32, i: u32) -> vec2<f32>`.
// CPU twin: forHealthy in learners/meta_train/meta_kernel.ts.

struct HealthySum {
  sum: vec2<f32>,
  used: u32,
}

fn healthy_sum(first: u32, models: u32, i: u32) -> HealthySum {
  var r = HealthySum(vec2<f32>(0.0, 0.0), 0u);
  for (var p = 0u; p < models; p++) {
    let m = first + p;
    if (metrics[m * METRIC_STRIDE + METRIC_QUARANTINED] != 0.0) { continue; }
    r.sum += meta_terms(m, i);
    r.used++;
  }
  return r;
}

fn healthy_mean(r: HealthySum) -> vec2<f32> {
  if (r.used == 0u) { return vec2<f32>(0.0, 0.0); }
  return r.sum / f32(r.used);
}
