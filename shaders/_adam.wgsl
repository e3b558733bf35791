// Shared snippet of the meta-update kernels (meta_*_update.wgsl): a finiteness test and the Adam
// step. Twin: the Adam step in meta/few_shot/_meta_kernel.ts.

// False for NaN and +-infinity (exponent bits all ones); does not rely on NaN comparisons.
fn finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// Updated first and second moments (m, v) for gradient g.
fn adam_moments(m: f32, v: f32, g: f32, beta1: f32, beta2: f32) -> vec2<f32> {
  return vec2<f32>(beta1 * m + (1.0 - beta1) * g, beta2 * v + (1.0 - beta2) * g * g);
}

// The step to subtract (times the learning rate) for moments mv with bias corrections c1, c2.
fn adam_step(mv: vec2<f32>, c1: f32, c2: f32, eps: f32) -> f32 {
  return (mv.x / c1) / (sqrt(mv.y / c2) + eps);
}
