// _meta_mean: which models a meta-update averages over, and the mean over them, shared by the
// meta-update kernels (meta_reptile_update, meta_fomaml_update, meta_sgd_update; MAML's final
// update is meta_fomaml_update on the vectors taken back), meta_log and lowrank_outer.
//
// The rule, in meta_healthy(m) and nowhere else: model m counts when its metrics row
// (learners/metrics_row.ts) has quarantine flag metrics[m * METRIC_STRIDE + METRIC_QUARANTINED]
// 0 AND a finite loss (METRIC_LOSS) AND a finite gradient norm (METRIC_GRAD_NORM). The flag
// covers the inner steps (the train step sets it at a non-finite loss or norm); the finiteness
// tests cover the row's last pass when that pass does not set the flag: the query pass of FOMAML,
// MAML and Meta-SGD runs the train step in gradient mode, which writes the loss and norm but never
// the flag, so a task whose query batch gives a NaN or infinite loss or gradient (a NaN pixel in a
// query sample) would otherwise add its NaN gradient to the sum, and the update kernels, which
// count a non-finite mean as 0, would drop the whole meta-batch's step. Rows whose last pass does
// set the flag (Reptile's last inner step, ProtoNet's gradient pass, lowrank_inner's Reptile) hold a
// finite loss and norm whenever the flag is 0, so for them the rule is the flag alone.
//
// healthy_sum(first, models, i) adds the two per-model terms meta_terms(m, i) of entry i over the
// models m = first .. first + models - 1 that meta_healthy admits, in model order, and counts
// them; healthy_mean divides (0 when no model is used). A kernel that includes this snippet
// declares the `metrics` binding and defines `fn meta_terms(m: u32, i: u32) -> vec2<f32>`.
// CPU twin: healthy, forHealthy in learners/meta_train/meta_mean.ts.

fn meta_healthy(m: u32) -> bool {
  let r = m * METRIC_STRIDE;
  return metrics[r + METRIC_QUARANTINED] == 0.0 && finite(metrics[r + METRIC_LOSS]) &&
    finite(metrics[r + METRIC_GRAD_NORM]);
}

struct HealthySum {
  sum: vec2<f32>,
  used: u32,
}

fn healthy_sum(first: u32, models: u32, i: u32) -> HealthySum {
  var r = HealthySum(vec2<f32>(0.0, 0.0), 0u);
  for (var p = 0u; p < models; p++) {
    let m = first + p;
    if (!meta_healthy(m)) { continue; }
    r.sum += meta_terms(m, i);
    r.used++;
  }
  return r;
}

fn healthy_mean(r: HealthySum) -> vec2<f32> {
  if (r.used == 0u) { return vec2<f32>(0.0, 0.0); }
  return r.sum / f32(r.used);
}
