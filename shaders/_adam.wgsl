// Shared snippet: the Adam step of train_step.wgsl and the meta-update kernels
// (meta_*_update.wgsl). Twins: trainStepCpu() and the Adam step in meta/few_shot/_meta_kernel.ts.

// Updated first and second moments (m, v) for gradient g.
fn adam_moments(m: f32, v: f32, g: f32, beta1: f32, beta2: f32) -> vec2<f32> {
  return vec2<f32>(beta1 * m + (1.0 - beta1) * g, beta2 * v + (1.0 - beta2) * g * g);
}

// The step to subtract (times the learning rate) for moments mv with bias corrections c1, c2.
fn adam_step(mv: vec2<f32>, c1: f32, c2: f32, eps: f32) -> f32 {
  return (mv.x / c1) / (sqrt(mv.y / c2) + eps);
}
