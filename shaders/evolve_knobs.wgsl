// evolve_knobs: writes each model's train-step knobs from its segment's learning-rule genes for
// one gradient step of the current generation. Twin: knobsCpu().
//
// lr = genome.lr * schedule(gen) for step < gradSteps, else 0 (a probe step, lr 0, only measures
// the loss). hold = 1 for gradSteps <= step < PROBE_STEP: the model sits out the steps that the run's
// other segments still take (its step count advances, so the probe reads the same slot for all). schedule: constant 1; cosine 0.5 (1 + cos(pi t)), t = gen / max(1, G - 1); step 1,
// then 0.3 from t >= 0.5, 0.09 from t >= 0.75; warmup min(1, (gen + 1) / max(1, 0.2 G)).
// The optimizer is plain SGD without weight decay; clipNorm, the gradient transform and label
// smoothing come from the genome. Other knobs are left as they are.
//
// Bindings (group 0; declared in learners/evolution/evolution_kernels.ts):
//   0 genome (S, GENOME_STRIDE) f32 read
//   1 clock  (4) u32        read
//   2 knobs  (P, KNOB_STRIDE) f32 rw
//   3 u_in    read (parameters)
//   4 params_in Params read (parameters): `step`, the step index within the generation
// Dispatch: ceil(P / 64) workgroups of 64 (grid gridModels wide).

var<private> ks: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ks = params_in;
  let p = evolve_index(gid, GRID_MODELS);
  if (p >= u.P) { return; }
  let g0 = (p / u.M) * GENOME_STRIDE;
  let gen = clock[0];
  let sched = u32(genome[g0 + GENOME_LR_SCHEDULE]);
  let G = f32(u.generations);
  let t = f32(gen) / max(1.0, G - 1.0);
  var mult = 1.0;
  if (sched == 1u) {
    mult = 0.5 * (1.0 + cos(3.141592653589793 * t));
  } else if (sched == 2u) {
    if (t >= 0.75) { mult = 0.09; } else if (t >= 0.5) { mult = 0.3; }
  } else if (sched == 3u) {
    mult = min(1.0, (f32(gen) + 1.0) / max(1.0, 0.2 * G));
  }
  var lr = 0.0;
  if (ks.step < u32(genome[g0 + GENOME_GRAD_STEPS])) { lr = genome[g0 + GENOME_LR] * mult; }
  let kb = p * KNOB_STRIDE;
  knobs[kb + KNOB_LR] = lr;
  let held = ks.step >= u32(genome[g0 + GENOME_GRAD_STEPS]) && ks.step < PROBE_STEP;
  knobs[kb + KNOB_HOLD] = select(0.0, 1.0, held);
  knobs[kb + KNOB_WEIGHT_DECAY] = 0.0;
  knobs[kb + KNOB_CLIP_NORM] = genome[g0 + GENOME_CLIP_NORM];
  knobs[kb + KNOB_OPTIMIZER] = 0.0;
  knobs[kb + KNOB_LABEL_SMOOTHING] = genome[g0 + GENOME_LABEL_SMOOTHING];
  knobs[kb + KNOB_GRAD_TRANSFORM] = genome[g0 + GENOME_GRAD_TRANSFORM];
}
