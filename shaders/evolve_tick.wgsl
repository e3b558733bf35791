// evolve_tick: advances the generation counter on the GPU, so that many generations can be
// encoded in one submit with no host involvement. Twin: clock[0] += 1.
// Bindings (group 0): 0 clock (4) u32 rw. Dispatch: 1 workgroup of 1.

@group(0) @binding(0) var<storage, read_write> clock: array<u32>;

@compute @workgroup_size(1)
fn main() {
  clock[0] = clock[0] + 1u;
}
