// Shared snippet: the Adam step of train_step.wgsl and the meta-update kernels
// (meta_*_update.wgsl). Twins: trainStepCpu() and the Adam step in learners/meta_train/meta_kernel.ts.
// AdamT is f32, or vec4<f32> for train_step's vec4 update loops: the including code defines it.

// Updated first moment for gradient g.
fn adam_m(m: AdamT, g: AdamT, beta1: f32) -> AdamT {
  return beta1 * m + (1.0 - beta1) * g;
}

// Updated second moment for gradient g.
fn adam_v(v: AdamT, g: AdamT, beta2: f32) -> AdamT {
  return beta2 * v + (1.0 - beta2) * g * g;
}

// The step to subtract (times the learning rate) for updated moments m, v with bias corrections
// c1, c2.
fn adam_step(m: AdamT, v: AdamT, c1: f32, c2: f32, eps: f32) -> AdamT {
  return (m / c1) / (sqrt(v / c2) + eps);
}
