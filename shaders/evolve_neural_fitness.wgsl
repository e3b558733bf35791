// evolve_neural_fitness: fitness of MLPs from the last train step's metrics (a probe step with
// learning rate 0 measures the loss of the current parameters on a fresh minibatch).
// Twin: neuralFitnessCpu(). fitness = -loss; flags = 1 for a quarantined (diverged) model or a
// non-finite loss; an inactive model (index in its segment >= the genome's GENOME_ACTIVE count)
// gets fitness NEG_BIG and flags = 2.
//
// Bindings (group 0; declared in learners/evolution/evolution_kernels.ts):
//   0 metrics (P, METRIC_STRIDE) f32 read  loss, gradient norm, quarantine flag, previous loss
//   1 genome  (S, GENOME_STRIDE) f32 read  GENOME_ACTIVE: active models
//   2 fitness (P) f32     rw
//   3 flags   (P) u32     rw
//   4 u_in    EvolveParams read (parameters)
// Dispatch: ceil(P / 64) workgroups of 64 (grid gridModels wide).

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = evolve_index(gid, GRID_MODELS);
  if (p >= u.P) { return; }
  if (mark_inactive(p)) { return; }
  let loss = metrics[p * METRIC_STRIDE + METRIC_LOSS];
  let bad = metrics[p * METRIC_STRIDE + METRIC_QUARANTINED] != 0.0 || !finite(loss);
  fitness[p] = -loss;
  flags[p] = select(0u, 1u, bad);
}
