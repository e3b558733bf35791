// evolve_shape: per-model rank, fitness shaping (rank score, fitness sharing, diversity bonus)
// and the per-segment order of models by raw fitness. Twin: shapeCpu().
//
// rank = number of valid models of the segment with higher fitness (ties: lower index first);
// an invalid (quarantined) model gets rank nValid + (invalid models before it), so order[0 ..
// nValid) lists exactly the valid models, best first. d(p, q) = RMS parameter distance.
// meanDist = mean d to the other valid models; niche = 1 + sum max(0, 1 - d / nicheRadius)
// (radius 0: niche 1); shaped = ((nValid - rank) / nValid) / max(1, niche / nicheCapacity)
// + bonus * md / (1 + md) for a valid model, 0 otherwise. Every nonzero flag (1 invalid,
// 2 inactive) counts as not valid.
//
// Bindings (group 0; declared in learners/evolution/evolution_kernels.ts):
//   0 params  (P, stride) f32  read
//   1 fitness (P) f32          read   higher is better
//   2 flags   (P) u32          read   0 valid, 1 invalid, 2 inactive
//   3 genome  (S, GENOME_STRIDE) f32 read
//   4 info    (P, 4) f32       rw     shaped, rank, nValid, meanDist
//   5 order   (P) u32          rw     order[s*M + rank] = model
//   6 u_in     read (parameters)
// Dispatch: ceil(P / 64) workgroups of 64 (grid gridModels wide); loops M*(D+2) per invocation
// (plus M per chunk of SHAPE_CHUNK parameters).

// The distances read this model's parameters once per chunk of SHAPE_CHUNK (not once per other
// model): accs[j] sums the squared differences to model j chunk by chunk, in the order of k as
// the twin does. M <= MAX_MODELS_PER_SEGMENT (generated from learners/evolution/evolution_kernels.ts;
// checked by runEvolution).
const SHAPE_CHUNK: u32 = 32u;
var<private> accs: array<f32, MAX_MODELS_PER_SEGMENT>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = evolve_index(gid, GRID_MODELS);
  if (p >= u.P) { return; }
  let s = p / u.M;
  let base = s * u.M;
  let fp = fitness[p];
  let vp = flags[p] == 0u;
  var nValid = 0u;
  var rank = 0u;
  var invalidBefore = 0u;
  for (var j = 0u; j < u.M; j++) {
    let q = base + j;
    if (flags[q] == 0u) {
      nValid += 1u;
      let fq = fitness[q];
      if (vp && (fq > fp || (fq == fp && q < p))) { rank += 1u; }
    } else if (q < p) {
      invalidBefore += 1u;
    }
  }
  if (!vp) { rank = nValid + invalidBefore; }
  order[base + rank] = p;
  let g0 = s * GENOME_STRIDE;
  let radius = genome[g0 + GENOME_NICHE_RADIUS];
  let bonus = genome[g0 + GENOME_DIVERSITY_BONUS];
  let capacity = genome[g0 + GENOME_NICHE_CAPACITY];
  var niche = 1.0;
  var sumD = 0.0;
  var cnt = 0u;
  if (vp) {
    for (var j = 0u; j < u.M; j++) { accs[j] = 0.0; }
    for (var k0 = 0u; k0 < u.D; k0 += SHAPE_CHUNK) {
      let k1 = min(u.D, k0 + SHAPE_CHUNK);
      var mine = array<f32, SHAPE_CHUNK>();
      for (var k = k0; k < k1; k++) { mine[k - k0] = params[p * u.stride + k]; }
      for (var j = 0u; j < u.M; j++) {
        let q = base + j;
        if (q == p || flags[q] != 0u) { continue; }
        var acc = accs[j];
        for (var k = k0; k < k1; k++) {
          let d = mine[k - k0] - params[q * u.stride + k];
          acc += d * d;
        }
        accs[j] = acc;
      }
    }
    for (var j = 0u; j < u.M; j++) {
      let q = base + j;
      if (q == p || flags[q] != 0u) { continue; }
      let dist = sqrt(accs[j] / f32(u.D));
      sumD += dist;
      cnt += 1u;
      if (radius > 0.0) { niche += max(0.0, 1.0 - dist / radius); }
    }
  }
  var md = 0.0;
  if (cnt > 0u) { md = sumD / f32(cnt); }
  var shaped = 0.0;
  if (vp) {
    let share = max(1.0, niche / capacity);
    shaped = (f32(nValid - rank) / f32(nValid)) / share + bonus * md / (1.0 + md);
  }
  info[p * INFO_STRIDE + INFO_SHAPED] = shaped;
  info[p * INFO_STRIDE + INFO_RANK] = f32(rank);
  info[p * INFO_STRIDE + INFO_N_VALID] = f32(nValid);
  info[p * INFO_STRIDE + INFO_MEAN_DIST] = md;
}
