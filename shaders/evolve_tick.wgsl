// evolve_tick: advances the generation counter on the GPU, so that many generations can be
// encoded in one submit with no host involvement. Twin: clock[0] += 1.
// Bindings (group 0; declared in learners/evolution/evolution_kernels.ts): 0 clock (4) u32 rw.
// Dispatch: 1 workgroup of 1.

@compute @workgroup_size(1)
fn main() {
  clock[0] = clock[0] + 1u;
}
