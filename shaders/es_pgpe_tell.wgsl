// es_pgpe_tell: PGPE update (Sehnke et al. 2010) of every (instance, coordinate).
// Twin: pgpeUpdateCpu in learners/strategies/pgpe.ts.
// The bindings and struct Params are declared in learners/strategies/strategy_kernels.ts.
// Bindings: 0 z (S, N, D) f32 read, 1 w (S, N) f32 read, 2 mean (S, D) f32 rw, 3 scale (S, D)
// f32 rw, 4 params read.
// Over pairs q (2q = m + eps, 2q+1 = m - eps, eps = scale * z): gm = sum (w+ - w-) / 2 * eps,
// gs = sum (w+ + w-) / 2 * (eps^2 - scale^2) / scale; mean += lrMean * gm;
// scale += clamp(lrSigma * gs, +-maxSigmaChange * scale). Dispatch: ceil(S*D / 64) x 64.
// The entry point and z_of/w_of are in shaders/_es_tell.wgsl; this file defines its `tell`.

fn tell(k: u32, s: u32, d: u32) {
  let sc = scale[k];
  var gm = 0.0;
  var gs = 0.0;
  for (var q = 0u; 2u * q + 1u < params.N; q++) {
    let eps = sc * z_of(s, 2u * q, d);
    let wp = w_of(s, 2u * q);
    let wn = w_of(s, 2u * q + 1u);
    gm += 0.5 * (wp - wn) * eps;
    gs += 0.5 * (wp + wn) * (eps * eps - sc * sc) / sc;
  }
  let lim = params.maxSigmaChange * sc;
  mean[k] = mean[k] + params.lrMean * gm;
  scale[k] = sc + clamp(params.lrSigma * gs, -lim, lim);
}
