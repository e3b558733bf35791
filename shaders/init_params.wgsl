// init_params: seeded He/Xavier init of every model. Weight k of model p (layer l) is
// std[l] * rng_normal(seed, p, k, 0); biases and padding are 0. Twin: initParamsCpu().
// A population larger than one binding runs in several dispatches over ranges of models.
//
// Bindings (group 0): 0 params (P, stride) f32 rw; 1 u InitParams read (parameters).
// Dispatch: ceil(P * stride / 64) invocations of 64, grid gridX wide.

struct InitParams {
  w_offs: vec4<u32>, // @0  weight offset of layers 0..3
  b_offs: vec4<u32>, // @16 bias offset of layers 0..3
  stds: vec4<f32>,   // @32 init std of layers 0..3
  P: u32,            // @48
  L: u32,            // @52
  stride: u32,       // @56
  seed: u32,         // @60
  gridX: u32,        // @64
  first: u32,        // @68 model number of model 0 of this dispatch (the RNG stream is first + p)
}

@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read> u_in: InitParams;
// Parameters are read from storage into a private copy once per invocation; see
// createParamsBuffer in core/buffers.ts for why they are not a uniform buffer.
var<private> u: InitParams;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  u = u_in;
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
