// init_params: seeded He/Xavier init of every model. Weight k of model p (layer l) is
// std[l] * rng_normal(seed, p, k, 0); biases and padding are 0. Twin: initParamsCpu().
// A population larger than one binding runs in several dispatches over ranges of models.
//
// Bindings (group 0): 0 params (P, stride) f32 rw; 1 params_in (parameters), declared with the
// struct Params in learners/mlp/init_params.ts: w_offs, b_offs (weight and bias offsets of layers
// 0..3), stds (init std of layers 0..3), P, L, stride, seed, gridX, first (the model number of
// model 0 of this dispatch; the RNG stream is first + p).
// Dispatch: ceil(P * stride / 64) invocations of 64, grid gridX wide.

// Parameters are read from storage into a private copy once per invocation; see
// createParamsBuffer in core/buffers.ts for why they are not a uniform buffer.
var<private> u: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  u = params_in;
  let i = gid.x + gid.y * u.gridX * 64u;
  if (i >= u.P * u.stride) { return; }
  let p = i / u.stride;
  let k = i % u.stride;
  var v = 0.0;
  for (var l = 0u; l < u.L; l++) {
    if (k >= u.w_offs[l] && k < u.b_offs[l]) { v = u.stds[l] * rng_normal(u.seed, u.first + p, k, 0u); }
  }
  params[i] = v;
}
