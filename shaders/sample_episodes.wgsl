// sample_episodes: draws N-way K-shot episodes (support, query and class list) from a class index
// on the GPU, one invocation per episode. Twin: drawEpisodeIndices() in
// learners/tasks/real_episodes.ts (same counters, same indices).
//
// Bindings (group 0; declared with struct Params in learners/tasks/sample_episodes.ts):
//   0 classes  (C) u32            read   global classes the episodes draw from (a class split)
//   1 offsets  (numClasses+1) u32 read   start of each class in members
//   2 members  (count) u32        read   sample indices sorted by class
//   3 support  (E, N*K) u32       rw     class-major: entry k*K + s is shot s of local class k
//   4 query    (E, N*Q) u32       rw     class-major: entry k*Q + q
//   5 classList (E, N) u32       rw     entry k: the global class of local label k (the class lists
//                                        of learners/tasks/episode_classes.ts, not dense label maps)
//   6 params_in Params read: E episodes, C classes in the split, N ways (<= 64), K shots,
//                Q query per class (K + Q <= 256), seed,
//                first (episode number of invocation 0; the RNG stream is first + e), gridX
// Dispatch: ceil(E / 64) workgroups of 64, grid gridX wide.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = grid_index(gid);
  if (e >= params.E) { return; }
  let stream = params.first + e;
  var chosen = array<u32, 64>();
  var picked = array<u32, 256>();
  // 1. N distinct classes, in order of acceptance (local label = position).
  var n = 0u;
  for (var a = 0u; n < params.N; a++) {
    let c = classes[rng_int(params.seed, stream, params.C, a, 0u)];
    var dup = false;
    for (var j = 0u; j < n; j++) { dup = dup || chosen[j] == c; }
    if (!dup) {
      chosen[n] = c;
      n++;
    }
  }
  // 2. K + Q distinct samples of each chosen class: the first K support, the next Q query.
  let KQ = params.K + params.Q;
  for (var k = 0u; k < params.N; k++) {
    let c = chosen[k];
    classList[e * params.N + k] = c;
    let start = offsets[c];
    let nc = offsets[c + 1u] - start;
    var m = 0u;
    for (var a = 0u; m < KQ; a++) {
      let r = rng_int(params.seed, stream, nc, a, 1u + k);
      var dup = false;
      for (var j = 0u; j < m; j++) { dup = dup || picked[j] == r; }
      if (!dup) {
        picked[m] = r;
        let sample = members[start + r];
        if (m < params.K) {
          support[(e * params.N + k) * params.K + m] = sample;
        } else {
          query[(e * params.N + k) * params.Q + (m - params.K)] = sample;
        }
        m++;
      }
    }
  }
}
