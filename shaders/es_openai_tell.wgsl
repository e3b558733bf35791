// es_openai_tell: OpenAI-ES update (Salimans et al. 2017) of every (instance, coordinate).
// Twin: openAiEsUpdateCpu in learners/strategies/openai_es.ts.
// The bindings and struct Params are declared in learners/strategies/strategy_kernels.ts.
// Bindings: 0 z (S, N, D) f32 read, 1 w (S, N) f32 read, 2 mean (S, D) f32 rw, 3 scale (S, D)
// f32 rw, 4 adam (S, 2, D) f32 rw (first moments then second), 5 params read.
// g = sum_i w_i z_id / (N scale); Adam with bias correction at t = generation + 1; mean += lr *
// mhat / (sqrt(vhat) + eps); scale = max(scale * sigmaDecay, sigmaLimit).
// Dispatch: ceil(S*D / 64) workgroups of 64.
// The entry point and z_of/w_of are in shaders/_es_tell.wgsl; this file defines its `tell`.

fn tell(k: u32, s: u32, d: u32) {
  var g = 0.0;
  for (var i = 0u; i < params.N; i++) { g += w_of(s, i) * z_of(s, i, d); }
  g = g / (f32(params.N) * scale[k]);
  let mi = s * 2u * params.D + d;
  let vi = mi + params.D;
  adam[mi] = params.beta1 * adam[mi] + (1.0 - params.beta1) * g;
  adam[vi] = params.beta2 * adam[vi] + (1.0 - params.beta2) * g * g;
  let mh = adam[mi] / params.bias1;
  let vh = adam[vi] / params.bias2;
  mean[k] = mean[k] + params.lr * mh / (sqrt(vh) + params.eps);
  scale[k] = max(scale[k] * params.sigmaDecay, params.sigmaLimit);
}
