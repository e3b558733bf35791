// Shared snippet of the roofline probes (probe_storage.wgsl, probe_fma.wgsl): their parameters.
// Each probe binds `u_in` and copies it into `u` first (see createParamsBuffer in core/buffers.ts).

struct ProbeParams {
  n: u32,    // invocations
  k: u32,    // floats per invocation (probe_storage; a multiple of 8)
  reps: u32, // passes or iterations
  pad: u32,
}

var<private> u: ProbeParams;
