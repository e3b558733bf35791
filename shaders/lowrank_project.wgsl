// lowrank_project: the shared products of a factored meta-iteration (learners/meta_train/
// lowrank_loop.ts): for task t and each of its R = supportSize + queryRows rows x_r,
// proj[t, r, o] = (W1 x_r)[o] for o < H (theta's first-layer weights at w0, no bias) and
// x_{t, o - H} . x_r for o in [H, H + S) (the Gram matrix X^T X and X^T Q).
// CPU twin: lowrankProjectCpu in learners/meta_train/lowrank_cpu.ts.
// The bindings and struct Params are declared in learners/meta_train/lowrank_kernels.ts.
// Bindings: theta (stride) f32; x (count, inputs) f32; ids, support, query u32 read;
//           proj (tasks, rows, H + S) f32 rw.
// Dispatch: one workgroup of 64 per (task, chunk of 8 rows); invocation o (and o + 64, ...) owns
// output o and keeps the chunk's 8 sums in registers; the rows' inputs are read by every
// invocation at the same address.

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = group_index(wid);
  let t = g / params.chunks;
  if (t >= params.tasks) { return; }
  let r0 = (g % params.chunks) * 8u;
  let D = params.inputs;
  let H = params.hidden;
  let width = H + params.supportSize;
  var base = array<u32, 8>();
  for (var k = 0u; k < 8u; k++) { base[k] = row_sample(t, min(r0 + k, params.rows - 1u)) * D; }
  for (var o = lid; o < width; o += 64u) {
    var acc = array<f32, 8>();
    if (o < H) {
      let m = params.w0 + o * D;
      for (var i = 0u; i < D; i++) {
        let w = theta[m + i];
        for (var k = 0u; k < 8u; k++) { acc[k] += w * x[base[k] + i]; }
      }
    } else {
      let m = row_sample(t, o - H) * D;
      for (var i = 0u; i < D; i++) {
        let w = x[m + i];
        for (var k = 0u; k < 8u; k++) { acc[k] += w * x[base[k] + i]; }
      }
    }
    for (var k = 0u; k < 8u; k++) {
      if (r0 + k < params.rows) { proj[(t * params.rows + r0 + k) * width + o] = acc[k]; }
    }
  }
}
