// sample_episodes: draws N-way K-shot episodes (support, query and label map) from a class index
// on the GPU, one invocation per episode. Twin: drawEpisodeIndices() in
// learners/tasks/real_episodes.ts (same counters, same indices).
//
// Bindings (group 0):
//   0 classes  (C) u32            read   global classes the episodes draw from (a class split)
//   1 offsets  (numClasses+1) u32 read   start of each class in members
//   2 members  (count) u32        read   sample indices sorted by class
//   3 support  (E, N*K) u32       rw     class-major: entry k*K + s is shot s of local class k
//   4 query    (E, N*Q) u32       rw     class-major: entry k*Q + q
//   5 labelMap (E, numClasses) u32 rw    global class -> local label (0xffffffff if not drawn)
//   6 u        EpisodeParams read (parameters)
// Dispatch: ceil(E / 64) workgroups of 64, grid gridX wide.

struct EpisodeParams {
  E: u32,          // @0  episodes
  C: u32,          // @4  classes in the split
  N: u32,          // @8  ways (<= 64)
  K: u32,          // @12 shots
  Q: u32,          // @16 query per class (K + Q <= 256)
  numClasses: u32, // @20 label map width
  seed: u32,       // @24
  first: u32,      // @28 episode number of invocation 0 (the RNG stream is first + e)
  gridX: u32,      // @32
}

@group(0) @binding(0) var<storage, read> classes: array<u32>;
@group(0) @binding(1) var<storage, read> offsets: array<u32>;
@group(0) @binding(2) var<storage, read> members: array<u32>;
@group(0) @binding(3) var<storage, read_write> support: array<u32>;
@group(0) @binding(4) var<storage, read_write> query: array<u32>;
@group(0) @binding(5) var<storage, read_write> labelMap: array<u32>;
@group(0) @binding(6) var<storage, read> u_in: EpisodeParams;
// Parameters are read from storage into a private copy once per invocation; see
// createParamsBuffer in core/buffers.ts for why they are not a uniform buffer.
var<private> u: EpisodeParams;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  u = u_in;
  let e = gid.x + gid.y * u.gridX * 64u;
  if (e >= u.E) { return; }
  let stream = u.first + e;
  var chosen = array<u32, 64>();
  var picked = array<u32, 256>();
  // 1. N distinct classes, in order of acceptance (local label = position).
  var n = 0u;
  for (var a = 0u; n < u.N; a++) {
    let c = classes[rng_int(u.seed, stream, u.C, a, 0u)];
    var dup = false;
    for (var j = 0u; j < n; j++) { dup = dup || chosen[j] == c; }
    if (!dup) {
      chosen[n] = c;
      n++;
    }
  }
  for (var c = 0u; c < u.numClasses; c++) { labelMap[e * u.numClasses + c] = 0xffffffffu; }
  // 2. K + Q distinct samples of each chosen class: the first K support, the next Q query.
  let KQ = u.K + u.Q;
  for (var k = 0u; k < u.N; k++) {
    let c = chosen[k];
    labelMap[e * u.numClasses + c] = k;
    let start = offsets[c];
    let nc = offsets[c + 1u] - start;
    var m = 0u;
    for (var a = 0u; m < KQ; a++) {
      let r = rng_int(u.seed, stream, nc, a, 1u + k);
      var dup = false;
      for (var j = 0u; j < m; j++) { dup = dup || picked[j] == r; }
      if (!dup) {
        picked[m] = r;
        let sample = members[start + r];
        if (m < u.K) {
          support[(e * u.N + k) * u.K + m] = sample;
        } else {
          query[(e * u.N + k) * u.Q + (m - u.K)] = sample;
        }
        m++;
      }
    }
  }
}
