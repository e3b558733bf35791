// es_snes_tell: SNES update (Schaul et al. 2011) of every (instance, coordinate).
// Twin: snesUpdateCpu in learners/strategies/snes.ts.
// The bindings and struct Params are declared in learners/strategies/strategy_kernels.ts.
// Bindings: 0 z (S, N, D) f32 read, 1 w (S, N) f32 read, 2 mean (S, D) f32 rw, 3 scale (S, D)
// f32 rw, 4 params read.
// gm = sum_i w_i z_id, gs = sum_i w_i (z_id^2 - 1); mean += lrMean * scale * gm;
// scale *= exp(lrSigma / 2 * gs). Dispatch: ceil(S*D / 64) workgroups of 64.
// The entry point and z_of/w_of are in shaders/_es_tell.wgsl; this file defines its `tell`.

fn tell(k: u32, s: u32, d: u32) {
  var gm = 0.0;
  var gs = 0.0;
  for (var i = 0u; i < params.N; i++) {
    let zi = z_of(s, i, d);
    gm += w_of(s, i) * zi;
    gs += w_of(s, i) * (zi * zi - 1.0);
  }
  mean[k] = mean[k] + params.lrMean * scale[k] * gm;
  scale[k] = scale[k] * exp(0.5 * params.lrSigma * gs);
}
