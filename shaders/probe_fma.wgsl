// probe_fma: arithmetic throughput probe of the roofline in bench/roofline.ts. Invocation i (of n,
// 8 per workgroup) runs eight independent vec4 multiply-add chains a = a * c + d for `reps`
// iterations in registers (64 FLOP per iteration) and writes the sum of the chains.
// Twin: probeFmaCpu().
//
// Bindings (group 0):
//   0 out (n) f32          rw
//   1 u   ProbeParams read (parameters) (k unused)

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> u_in: ProbeParams;

@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  u = u_in;
  let i = gid.x;
  if (i >= u.n) { return; }
  let f = f32(i % 97u) * 0.001;
  let c = vec4<f32>(0.999, 0.998, 0.997, 0.996);
  let d = vec4<f32>(0.01, 0.02, 0.03, 0.04);
  var a0 = vec4<f32>(f);
  var a1 = a0 + 0.1;
  var a2 = a0 + 0.2;
  var a3 = a0 + 0.3;
  var a4 = a0 + 0.4;
  var a5 = a0 + 0.5;
  var a6 = a0 + 0.6;
  var a7 = a0 + 0.7;
  for (var r = 0u; r < u.reps; r++) {
    a0 = a0 * c + d;
    a1 = a1 * c + d;
    a2 = a2 * c + d;
    a3 = a3 * c + d;
    a4 = a4 * c + d;
    a5 = a5 * c + d;
    a6 = a6 * c + d;
    a7 = a7 * c + d;
  }
  let s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
  out[i] = s.x + s.y + s.z + s.w;
}
