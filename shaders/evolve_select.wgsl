// evolve_select: parent selection and elitism, one invocation per child. Twin: selectCpu().
//
// Child c (local index i in segment s): when the segment has no valid model it is an orphan
// (keeps its parameters, flag ORPHAN); when i < min(elite count, nValid) it is a copy of the
// i-th best valid model (flag ELITE); otherwise parents a and b are drawn by the segment's
// selection operator from the valid models only (order[base .. base + nValid)):
//   tournament: best shaped fitness of k uniform draws (ties: lower model index);
//   roulette: proportional to shaped fitness (uniform when all are 0);
//   rank: linear ranking on raw fitness, weight sp - 2(sp-1) r/(n-1) for rank r;
//   truncation: uniform among the best ceil(ratio * nValid).
// With probability crossoverRate the child is a crossover (flag CROSS). Self-adaptive sigma:
// sigmaNext = sigma[a] * exp(tau N(0,1)), tau = 1/sqrt(2 sqrt(D)), clamped to [1e-3, 1e3].
// A child with a parent has its quarantine flag cleared (metrics[c * METRIC_STRIDE +
// METRIC_QUARANTINED] = 0).
//
// Bindings (group 0; declared in learners/evolution/evolution_kernels.ts):
//   0 fitness   (P) f32        read
//   1 info      (P, 4) f32     read   shaped, rank, nValid, meanDist
//   2 order     (P) u32        read
//   3 genome    (S, GENOME_STRIDE) f32 read
//   4 sigma     (P) f32        read
//   5 clock     (4) u32        read
//   6 parents   (P, 4) u32     rw     a, b, flags, bits of the parent's fitness
//   7 sigmaNext (P) f32        rw
//   8 metrics   (P, METRIC_STRIDE) f32 rw  only the quarantine flag is written
//   9 u_in       read (parameters)
// Dispatch: ceil(P / 64) workgroups of 64 (grid gridModels wide).

fn pick(rc: u32, base: u32, nValid: u32, g0: u32, gen: u32, purpose: u32) -> u32 {
  let kind = u32(genome[g0 + GENOME_SELECTION]);
  let ctr = ev_counter(gen, purpose);
  if (kind == 0u) {
    let k = u32(genome[g0 + GENOME_TOURNAMENT_SIZE]);
    var best = order[base + rng_int(u.seed, rc, nValid, 0u, ctr)];
    for (var j = 1u; j < k; j++) {
      let q = order[base + rng_int(u.seed, rc, nValid, j, ctr)];
      let sq = info[q * INFO_STRIDE + INFO_SHAPED];
      let sb = info[best * INFO_STRIDE + INFO_SHAPED];
      if (sq > sb || (sq == sb && q < best)) { best = q; }
    }
    return best;
  }
  if (kind == 1u) {
    var total = 0.0;
    for (var r = 0u; r < nValid; r++) { total += info[order[base + r] * INFO_STRIDE + INFO_SHAPED]; }
    if (!(total > 0.0)) { return order[base + rng_int(u.seed, rc, nValid, 0u, ctr)]; }
    let x = rng_uniform(u.seed, rc, 0u, ctr) * total;
    var acc = 0.0;
    for (var r = 0u; r < nValid; r++) {
      acc += info[order[base + r] * INFO_STRIDE + INFO_SHAPED];
      if (x < acc) { return order[base + r]; }
    }
    return order[base + nValid - 1u];
  }
  if (kind == 2u) {
    if (nValid == 1u) { return order[base]; }
    let sp = genome[g0 + GENOME_RANK_PRESSURE];
    let x = rng_uniform(u.seed, rc, 0u, ctr) * f32(nValid);
    var acc = 0.0;
    for (var r = 0u; r < nValid; r++) {
      acc += sp - 2.0 * (sp - 1.0) * f32(r) / f32(nValid - 1u);
      if (x < acc) { return order[base + r]; }
    }
    return order[base + nValid - 1u];
  }
  let nt = max(1u, min(nValid, u32(ceil(genome[g0 + GENOME_TRUNCATION_RATIO] * f32(nValid)))));
  return order[base + rng_int(u.seed, rc, nt, 0u, ctr)];
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = evolve_index(gid, GRID_MODELS);
  if (c >= u.P) { return; }
  let s = c / u.M;
  let base = s * u.M;
  let i = c - base;
  let gen = clock[0];
  let g0 = s * GENOME_STRIDE;
  // Random numbers come from the segment's stream (GENOME_RNG_STREAM; default the segment itself).
  let rc = u32(genome[g0 + GENOME_RNG_STREAM]) * u.M + i;
  let nValid = u32(info[base * INFO_STRIDE + INFO_N_VALID]);
  if (nValid == 0u) {
    parents[c * PARENT_STRIDE + PARENT_A] = c;
    parents[c * PARENT_STRIDE + PARENT_B] = c;
    parents[c * PARENT_STRIDE + PARENT_FLAGS] = FLAG_ORPHAN;
    parents[c * PARENT_STRIDE + PARENT_FITNESS_BITS] = bitcast<u32>(NEG_BIG);
    sigmaNext[c] = sigma[c];
    return;
  }
  let elites = min(u32(genome[g0 + GENOME_ELITES]), nValid);
  metrics[c * METRIC_STRIDE + METRIC_QUARANTINED] = 0.0;
  if (i < elites) {
    let a = order[base + i];
    parents[c * PARENT_STRIDE + PARENT_A] = a;
    parents[c * PARENT_STRIDE + PARENT_B] = a;
    parents[c * PARENT_STRIDE + PARENT_FLAGS] = FLAG_ELITE;
    parents[c * PARENT_STRIDE + PARENT_FITNESS_BITS] = bitcast<u32>(fitness[a]);
    sigmaNext[c] = sigma[a];
    return;
  }
  let a = pick(rc, base, nValid, g0, gen, PURPOSE_PARENT_A);
  let b = pick(rc, base, nValid, g0, gen, PURPOSE_PARENT_B);
  let cross = rng_uniform(u.seed, rc, 0u, ev_counter(gen, PURPOSE_CROSS)) < genome[g0 + GENOME_CROSSOVER_RATE];
  var pf = fitness[a];
  var fl = 0u;
  if (cross) {
    pf = max(fitness[a], fitness[b]);
    fl = FLAG_CROSS;
  }
  parents[c * PARENT_STRIDE + PARENT_A] = a;
  parents[c * PARENT_STRIDE + PARENT_B] = b;
  parents[c * PARENT_STRIDE + PARENT_FLAGS] = fl;
  parents[c * PARENT_STRIDE + PARENT_FITNESS_BITS] = bitcast<u32>(pf);
  var sg = sigma[a];
  if (u32(genome[g0 + GENOME_MUTATION]) == 2u) {
    let tau = 1.0 / sqrt(2.0 * sqrt(f32(u.D)));
    sg = clamp(sg * exp(tau * rng_normal(u.seed, rc, 0u, ev_counter(gen, PURPOSE_SIGMA))), 0.001, 1000.0);
  }
  sigmaNext[c] = sg;
}
