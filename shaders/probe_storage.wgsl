// probe_storage: storage-read throughput probe of the roofline in bench/roofline.ts. Invocation i
// (of n, 8 per workgroup) reads its own k floats of `data` `reps` times, eight reads per loop
// iteration into eight independent sums (read j goes to sum j % 8, so no addition chain limits
// the rate), and writes the sum of the sums. Twin: probeStorageCpu().
//
// Bindings (group 0):
//   0 data (n, k) f32  read
//   1 out  (n) f32     rw
//   2 u    ProbeParams read (parameters)

@group(0) @binding(0) var<storage, read> data: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> u_in: ProbeParams;

@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  u = u_in;
  let i = gid.x;
  if (i >= u.n) { return; }
  let base = i * u.k;
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  for (var r = 0u; r < u.reps; r++) {
    for (var j = base; j < base + u.k; j += 8u) {
      s0 += vec4<f32>(data[j], data[j + 1u], data[j + 2u], data[j + 3u]);
      s1 += vec4<f32>(data[j + 4u], data[j + 5u], data[j + 6u], data[j + 7u]);
    }
  }
  let s = s0 + s1;
  out[i] = (s.x + s.y) + (s.z + s.w);
}
