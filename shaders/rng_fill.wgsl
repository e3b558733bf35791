// rng_fill: fills three arrays with draws of the counter-based RNG, for the RNG twin test and for
// any kernel that needs a reproducible noise buffer.
// Bindings: 0 words (n) u32 rw, 1 uniforms (n) f32 rw, 2 normals (n) f32 rw, 3 params read (parameters).
// Element i uses (seed, stream, c0 = base + i, c1). Dispatch: ceil(n / 64) workgroups of 64.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = grid_index(gid);
  if (i >= params.n) { return; }
  let c0 = params.base + i;
  words[i] = rng_u32(params.seed, params.stream, c0, params.c1);
  uniforms[i] = rng_uniform(params.seed, params.stream, c0, params.c1);
  normals[i] = rng_normal(params.seed, params.stream, c0, params.c1);
}
