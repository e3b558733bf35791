// meta_es_perturb: the antithetic population of ES-MAML (Song et al. 2020) for one meta-iteration:
// for pair j and parameter i < count, eps = normal draw of the counter RNG at (seed, stream,
// c0 = j * count + i, c1), noise[j, i] = eps, rows[2j, i] = theta[i] + sigma eps and
// rows[2j + 1, i] = theta[i] - sigma eps; the padding entries (count <= i < stride) copy theta.
// CPU twin: esPerturbCpu in learners/meta_train/meta_es_perturb.ts.
// The bindings and struct Params are declared in learners/meta_train/meta_es_perturb.ts.
// Bindings: 0 theta (stride) f32 read; 1 rows (2 pairs, stride) f32 rw; 2 noise (pairs, count)
//           f32 rw; 3 params read (parameters).
// One invocation per (pair, entry < stride); dispatch: ceil(pairs * stride / 64) workgroups of 64
// (2-D grid of width gridX).

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = grid_index(gid);
  if (idx >= params.pairs * params.stride) { return; }
  let j = idx / params.stride;
  let i = idx % params.stride;
  let plus = 2u * j * params.stride + i;
  let minus = plus + params.stride;
  if (i >= params.count) {
    rows[plus] = theta[i];
    rows[minus] = theta[i];
    return;
  }
  let e = rng_normal(params.seed, params.stream, j * params.count + i, params.c1);
  noise[j * params.count + i] = e;
  rows[plus] = theta[i] + params.sigma * e;
  rows[minus] = theta[i] - params.sigma * e;
}
