// probe_storage: storage-read throughput probe of the roofline in bench/roofline.ts. Invocation i
// (of n, 8 per workgroup) reads its own k floats of `data` `reps` times, eight floats per loop
// iteration into two independent vec4 sums (floats j..j+3 into s0, j+4..j+7 into s1, so no single
// addition chain limits the rate), and writes the sum of the sums. The floats are read through
// `quad(q)` (floats 4q..4q+3), which the wrapper generates with `data` as an array of ProbeT:
// f32 (four scalar reads per quad) or vec4<f32> (one vec4 read). Twin: probeStorageCpu().
//
// Bindings (group 0):
//   0 data (n, k) f32  read
//   1 out  (n) f32     rw
//   2 u    ProbeParams read (parameters)

@group(0) @binding(0) var<storage, read> data: array<ProbeT>;
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
    for (var q = base; q < base + u.k / 4u; q += 2u) {
      s0 += quad(q);
      s1 += quad(q + 1u);
    }
  }
  let s = s0 + s1;
  out[i] = (s.x + s.y) + (s.z + s.w);
}
