// es_best: best-so-far of every strategy instance after an evaluation.
// Twin: trackBest in learners/strategies/strategy.ts (the best-so-far part).
// The bindings and struct Params are declared in learners/strategies/strategy_kernels.ts.
// Bindings: 0 fitness (S, N) f32 read, 1 x (S, N, D) f32 read, 2 best (S) f32 rw, 3 bestX (S, D)
// f32 rw, 4 params read. The first candidate with the lowest finite fitness below best wins.
// Dispatch: ceil(S / 64) workgroups of 64, one invocation per instance.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = grid_index(gid);
  if (s >= params.S) { return; }
  var b = best[s];
  var arg = params.N;
  for (var i = 0u; i < params.N; i++) {
    let f = fitness[s * params.N + i];
    if (f < b) {
      b = f;
      arg = i;
    }
  }
  if (arg < params.N) {
    best[s] = b;
    for (var d = 0u; d < params.D; d++) {
      bestX[s * params.D + d] = x[(s * params.N + arg) * params.D + d];
    }
  }
}
