// meta_es_maml_update: the ES-MAML meta-update (Song et al. 2020), zero-order, antithetic: the ES
// gradient g = sum_j (f(2j) - f(2j + 1)) eps_j / (2 pairs sigma) of the adapted query losses f of the
// models theta + sigma eps_j (2j) and theta - sigma eps_j (2j + 1), a loss that is not usable
// (non-finite, or its model quarantined in the inner steps) replaced by the largest usable one (0
// when none), then an Adam step on theta (theta_adam_step of shaders/_meta_adam.wgsl).
// CPU twin: esMamlUpdateCpu in learners/meta_train/meta_es_maml_update.ts.
// The bindings and struct Params are declared in learners/meta_train/meta_es_maml_update.ts.
// Bindings: 0 losses f32 read (loss k at k * lossStride + lossOffset: a plain (2 pairs) array, or
//           the population's metrics table, its quarantine flag then at k * lossStride +
//           flagOffset; flagOffset 0xffffffff: no flags); 1 noise (pairs, n) f32 read; 2 theta f32 rw (from
//           thetaOffset); 3 moments f32 rw (m from momentOffset, v from momentOffset + vOffset);
//           4 gOut (n) f32 rw: the ES gradient used (for the log); 5 params read (parameters).
// One invocation per parameter index i < n; dispatch: ceil(n / 64) workgroups of 64.

fn loss_of(k: u32) -> f32 {
  return losses[k * params.lossStride + params.lossOffset];
}

// Whether loss k (value l) enters the gradient: finite, and its model not quarantined.
fn usable(k: u32, l: f32) -> bool {
  if (params.flagOffset != 0xffffffffu && losses[k * params.lossStride + params.flagOffset] != 0.0) {
    return false;
  }
  return finite(l);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = grid_index(gid);
  if (i >= params.n) { return; }
  var worst = 0.0;
  var any = false;
  for (var k = 0u; k < 2u * params.pairs; k++) {
    let l = loss_of(k);
    if (usable(k, l) && (!any || l > worst)) {
      worst = l;
      any = true;
    }
  }
  var g = 0.0;
  for (var j = 0u; j < params.pairs; j++) {
    var lp = loss_of(2u * j);
    var lm = loss_of(2u * j + 1u);
    if (!usable(2u * j, lp)) { lp = worst; }
    if (!usable(2u * j + 1u, lm)) { lm = worst; }
    g += (lp - lm) / (2.0 * f32(params.pairs) * params.sigma) * noise[j * params.n + i];
  }
  theta_adam_step(i, g);
}
