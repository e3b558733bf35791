// probe_storage4: the storage-read probe of bench/roofline.ts with vec4 reads. Invocation i (of n,
// 8 per workgroup) reads its own k floats of `data` `reps` times as k / 4 vec4 loads, two per loop
// iteration into two independent sums (floats j..j+3 into s0, j+4..j+7 into s1), and writes the sum
// of the sums: the same values in the same order as probe_storage.wgsl. Twin: probeStorageCpu().
//
// Bindings (group 0):
//   0 data (n, k / 4) vec4<f32> read
//   1 out  (n) f32              rw
//   2 u    ProbeParams read (parameters)

@group(0) @binding(0) var<storage, read> data: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> u_in: ProbeParams;

@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  u = u_in;
  let i = gid.x;
  if (i >= u.n) { return; }
  let base = i * (u.k / 4u);
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  for (var r = 0u; r < u.reps; r++) {
    for (var j = base; j < base + u.k / 4u; j += 2u) {
      s0 += data[j];
      s1 += data[j + 1u];
    }
  }
  let s = s0 + s1;
  out[i] = (s.x + s.y) + (s.z + s.w);
}
