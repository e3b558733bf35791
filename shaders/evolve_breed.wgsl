// evolve_breed: crossover and mutation of one chunk of a child's parameters, one invocation per
// (child, chunk). Twin: breedCpu().
//
// Orphans keep their parameters; elites copy parent a bit for bit. Otherwise x = pa, or when the
// child is a crossover: average (pa + pb) / 2; uniform (per-parameter coin); layer_swap (one coin
// per block); fitness_weighted w pa + (1 - w) pb with w = sa / (sa + sb) on shaped fitness.
// Mutation with sigma = strength * (adaptive: segment scale) * (self_adaptive: child's sigma)
// * (diversity multiplier SEG_DIVERSITY_MULT: 2 below the diversity threshold, else 1):
// gaussian / adaptive / self_adaptive add sigma N(0,1) with probability rate; reset redraws
// resetStd(block) N(0,1) with probability resetFraction; low_rank adds
// sigma * sum_j U[i,j] V[col,j] / sqrt(r) on one block drawn per child (U, V standard normal).
//
// Bindings (group 0; declared in learners/evolution/evolution_kernels.ts):
//   0 params    (P, stride) f32   read
//   1 parents   (P, 4) u32        read
//   2 info      (P, 4) f32        read
//   3 genome    (S, GENOME_STRIDE) f32 read
//   4 segState  (S, 4) f32        read   SEG_SIGMA_SCALE (adaptive), SEG_DIVERSITY_MULT
//   5 sigmaNext (P) f32           read
//   6 blocks    (nBlocks, 4) u32  read   offset, rows, cols, bits of the reset std
//   7 clock     (4) u32           read
//   8 next      (P, stride) f32   rw
//   9 u_in       read (parameters)
// Dispatch: ceil(P * chunks / 64) workgroups of 64 (grid gridBreed wide); chunk params per lane.

fn block_of(k: u32) -> u32 {
  var b = 0u;
  for (var j = 1u; j < u.nBlocks; j++) {
    if (k >= blocks[j * BLOCK_STRIDE + BLOCK_OFFSET]) { b = j; }
  }
  return b;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = evolve_index(gid, GRID_BREED);
  if (idx >= u.P * u.chunks) { return; }
  let c = idx / u.chunks;
  let k0 = (idx - c * u.chunks) * u.chunk;
  let k1 = min(u.D, k0 + u.chunk);
  let s = c / u.M;
  let g0 = s * GENOME_STRIDE;
  // Random numbers come from the segment's stream (GENOME_RNG_STREAM; default the segment itself).
  let rc = u32(genome[g0 + GENOME_RNG_STREAM]) * u.M + (c - s * u.M);
  let a = parents[c * PARENT_STRIDE + PARENT_A];
  let b = parents[c * PARENT_STRIDE + PARENT_B];
  let fl = parents[c * PARENT_STRIDE + PARENT_FLAGS];
  let gen = clock[0];
  if ((fl & FLAG_ORPHAN) != 0u) {
    for (var k = k0; k < k1; k++) { next[c * u.stride + k] = params[c * u.stride + k]; }
    return;
  }
  if ((fl & FLAG_ELITE) != 0u) {
    for (var k = k0; k < k1; k++) { next[c * u.stride + k] = params[a * u.stride + k]; }
    return;
  }
  let cross = (fl & FLAG_CROSS) != 0u;
  let ck = u32(genome[g0 + GENOME_CROSSOVER]);
  let mk = u32(genome[g0 + GENOME_MUTATION]);
  let rate = genome[g0 + GENOME_MUTATION_RATE];
  var sig = genome[g0 + GENOME_MUTATION_STRENGTH];
  if (mk == 1u) { sig = sig * segState[s * SEG_STRIDE + SEG_SIGMA_SCALE]; }
  if (mk == 2u) { sig = sig * sigmaNext[c]; }
  sig = sig * segState[s * SEG_STRIDE + SEG_DIVERSITY_MULT];
  let resetFrac = genome[g0 + GENOME_RESET_FRACTION];
  let r = u32(genome[g0 + GENOME_LOW_RANK]);
  var w = 0.5;
  if (ck == 3u) {
    let sa = info[a * INFO_STRIDE + INFO_SHAPED];
    let sb = info[b * INFO_STRIDE + INFO_SHAPED];
    if (sa + sb > 0.0) { w = sa / (sa + sb); }
  }
  var bsel = 0u;
  if (mk == 4u) { bsel = rng_int(u.seed, rc, u.nBlocks, 0u, ev_counter(gen, PURPOSE_LR_BLOCK)); }
  for (var k = k0; k < k1; k++) {
    let pa = params[a * u.stride + k];
    var x = pa;
    let blk = block_of(k);
    if (cross) {
      let pb = params[b * u.stride + k];
      if (ck == 0u) {
        x = 0.5 * (pa + pb);
      } else if (ck == 1u) {
        if (rng_uniform(u.seed, rc, k, ev_counter(gen, PURPOSE_MASK)) >= 0.5) { x = pb; }
      } else if (ck == 2u) {
        if (rng_uniform(u.seed, rc, blk, ev_counter(gen, PURPOSE_MASK)) >= 0.5) { x = pb; }
      } else {
        x = w * pa + (1.0 - w) * pb;
      }
    }
    if (mk <= 2u) {
      if (rng_uniform(u.seed, rc, k, ev_counter(gen, PURPOSE_MUT_COIN)) < rate) {
        x = x + sig * rng_normal(u.seed, rc, k, ev_counter(gen, PURPOSE_MUT_NORMAL));
      }
    } else if (mk == 3u) {
      if (rng_uniform(u.seed, rc, k, ev_counter(gen, PURPOSE_MUT_COIN)) < resetFrac) {
        x = bitcast<f32>(blocks[blk * BLOCK_STRIDE + BLOCK_RESET_STD_BITS]) * rng_normal(u.seed, rc, k, ev_counter(gen, PURPOSE_RESET));
      }
    } else if (blk == bsel) {
      let cols = blocks[blk * BLOCK_STRIDE + BLOCK_COLS];
      let e = k - blocks[blk * BLOCK_STRIDE + BLOCK_OFFSET];
      let row = e / cols;
      let col = e - row * cols;
      var acc = 0.0;
      for (var j = 0u; j < r; j++) {
        acc += rng_normal(u.seed, rc, row * 4u + j, ev_counter(gen, PURPOSE_LR_U)) *
          rng_normal(u.seed, rc, col * 4u + j, ev_counter(gen, PURPOSE_LR_V));
      }
      x = x + sig * acc / sqrt(f32(r));
    }
    next[c * u.stride + k] = x;
  }
}
