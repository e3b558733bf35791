// Shared snippet of the two fitness kernels (evolve_objective.wgsl, evolve_neural_fitness.wgsl),
// which bind `fitness`, `flags` and `genome` and read the parameters `u`.
// Twin: markInactive() in learners/evolution/_evolution_cpu_common.ts.

// Marks model p inactive (fitness NEG_BIG, flags MODEL_INACTIVE) when its index in its segment is
// at least the segment's active model count (genome GENOME_ACTIVE); returns whether it did.
fn mark_inactive(p: u32) -> bool {
  let s = p / u.M;
  if (!(f32(p - s * u.M) >= genome[s * GENOME_STRIDE + GENOME_ACTIVE])) { return false; }
  fitness[p] = NEG_BIG;
  flags[p] = MODEL_INACTIVE;
  return true;
}
