// evolve_stats: per-segment fitness statistics of the current generation, the success rate of the
// last breeding (children fitter than their parent), the adaptive mutation scale (1/5th success
// rule: x1.22 above 0.2, x0.82 below, only for mutation "adaptive"), the diversity multiplier of
// the next mutation sigma (2 when the segment's diversity is below the genome's
// GENOME_DIVERSITY_THRESHOLD, else 1), and one history row. diverged counts models with flag 1 only (not inactive ones).
// Twin: statsCpu().
//
// Bindings (group 0; declared in learners/evolution/evolution_kernels.ts):
//   0 fitness  (P) f32        read
//   1 flags    (P) u32        read
//   2 info     (P, 4) f32     read   INFO_MEAN_DIST
//   3 parents  (P, 4) u32     read   a, b, flags, bits of the parent's fitness
//   4 genome   (S, GENOME_STRIDE) f32 read
//   5 clock    (4) u32        read   [0] = generation
//   6 segState (S, 4) f32     rw     sigma scale, success rate, best so far, diversity multiplier
//   7 history  (histCap, S, 8) f32 rw  best, mean, valid, diverged, diversity, sigma scale,
//                                      success rate, best so far
//   8 u_in      read (parameters)
// Dispatch: ceil(S / 64) workgroups of 64 (grid gridSegs wide), one invocation per segment.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = evolve_index(gid, GRID_SEGS);
  if (s >= u.S) { return; }
  let gen = clock[0];
  let base = s * u.M;
  var best = NEG_BIG;
  var sum = 0.0;
  var nValid = 0u;
  var divSum = 0.0;
  var succ = 0u;
  var den = 0u;
  var nDiverged = 0u;
  for (var j = 0u; j < u.M; j++) {
    let p = base + j;
    if (flags[p] == MODEL_INVALID) { nDiverged += 1u; }
    if (flags[p] != 0u) { continue; }
    let f = fitness[p];
    best = max(best, f);
    sum += f;
    nValid += 1u;
    divSum += info[p * INFO_STRIDE + INFO_MEAN_DIST];
    let pf = parents[p * PARENT_STRIDE + PARENT_FLAGS];
    if (gen > 0u && (pf & (FLAG_ELITE | FLAG_ORPHAN)) == 0u) {
      den += 1u;
      if (f > bitcast<f32>(parents[p * PARENT_STRIDE + PARENT_FITNESS_BITS])) { succ += 1u; }
    }
  }
  var success = 0.0;
  if (den > 0u) { success = f32(succ) / f32(den); }
  var scale = 1.0;
  var bestSoFar = best;
  if (gen > 0u) {
    scale = segState[s * SEG_STRIDE + SEG_SIGMA_SCALE];
    bestSoFar = max(segState[s * SEG_STRIDE + SEG_BEST_SO_FAR], best);
    if (u32(genome[s * GENOME_STRIDE + GENOME_MUTATION]) == 1u && den > 0u) {
      if (success > 0.2) {
        scale = min(scale * 1.22, 1000.0);
      } else if (success < 0.2) {
        scale = max(scale * 0.82, 0.001);
      }
    }
  }
  segState[s * SEG_STRIDE + SEG_SIGMA_SCALE] = scale;
  segState[s * SEG_STRIDE + SEG_SUCCESS_RATE] = success;
  segState[s * SEG_STRIDE + SEG_BEST_SO_FAR] = bestSoFar;
  var div = 0.0;
  if (nValid > 0u) { div = divSum / f32(nValid); }
  segState[s * SEG_STRIDE + SEG_DIVERSITY_MULT] = select(1.0, 2.0, div < genome[s * GENOME_STRIDE + GENOME_DIVERSITY_THRESHOLD]);
  if (gen < u.histCap) {
    let h = (gen * u.S + s) * HISTORY_STRIDE;
    var mean = 0.0;
    if (nValid > 0u) { mean = sum / f32(nValid); }
    history[h + HISTORY_BEST] = best;
    history[h + HISTORY_MEAN] = mean;
    history[h + HISTORY_VALID] = f32(nValid);
    history[h + HISTORY_DIVERGED] = f32(nDiverged);
    history[h + HISTORY_DIVERSITY] = div;
    history[h + HISTORY_SIGMA_SCALE] = scale;
    history[h + HISTORY_SUCCESS_RATE] = success;
    history[h + HISTORY_BEST_SO_FAR] = bestSoFar;
  }
}
