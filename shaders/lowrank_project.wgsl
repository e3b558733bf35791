// lowrank_project: the shared products of a factored meta-iteration (learners/meta_train/
// lowrank_loop.ts): for task t and each of its R = supportSize + queryRows rows x_r,
// proj[t, r, o] = (W1 x_r)[o] for o < H (theta's first-layer weights at w0, no bias) and
// x_{t, o - H} . x_r for o in [H, H + S) (the Gram matrix X^T X and X^T Q).
// CPU twin: lowrankProjectCpu in learners/meta_train/lowrank_cpu.ts.
// The bindings and struct Params are declared in learners/meta_train/lowrank_kernels.ts.
// Bindings: theta (stride) f32; x (count, inputs) f32; theta4, x4: the same as vec4 (read when
//           inputs % 4 == 0); ids, support, query u32 read; proj (tasks, rows, H + S) f32 rw;
//           samples (tasks, rows) u32 rw: each row's data-set row (row_sample).
// Dispatch: one workgroup of 64 per (task, chunk of 8 rows). With inputs % 4 == 0 (and H % 4 == 0)
// invocation q owns outputs 4q..4q+3 and keeps 8 rows x 4 outputs in registers, a loop over the
// input quads (per quad 4 + 8 vec4 loads); else invocation o owns output o (scalar loop).

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = group_index(wid);
  let t = g / params.chunks;
  if (t >= params.tasks) { return; }
  let r0 = (g % params.chunks) * 8u;
  // The chunk's data-set rows, for lowrank_inner and lowrank_outer.
  if (lid < 8u && r0 + lid < params.rows) {
    samples[t * params.rows + r0 + lid] = row_sample(t, r0 + lid);
  }
  let D = params.inputs;
  let H = params.hidden;
  let width = H + params.supportSize;
  if (params.quads != 0u) {
    project4(t, r0, lid);
    return;
  }
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

fn project4(t: u32, r0: u32, lid: u32) {
  let D4 = params.inputs / 4u;
  let width = params.hidden + params.supportSize;
  var xb = array<u32, 8>();
  for (var k = 0u; k < 8u; k++) { xb[k] = row_sample(t, min(r0 + k, params.rows - 1u)) * D4; }
  let b0 = xb[0]; let b1 = xb[1]; let b2 = xb[2]; let b3 = xb[3];
  let b4 = xb[4]; let b5 = xb[5]; let b6 = xb[6]; let b7 = xb[7];
  for (var q = lid; q < (width + 3u) / 4u; q += 64u) {
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    var a4 = vec4<f32>(0.0);
    var a5 = vec4<f32>(0.0);
    var a6 = vec4<f32>(0.0);
    var a7 = vec4<f32>(0.0);
    // Rows 4q..4q+3: theta's first-layer rows below H, else support samples (the last clamped).
    let fromTheta = 4u * q < params.hidden;
    var m0 = (params.w0 + 4u * q * params.inputs) / 4u;
    var m1 = m0 + D4;
    var m2 = m0 + 2u * D4;
    var m3 = m0 + 3u * D4;
    if (!fromTheta) {
      let s = 4u * q - params.hidden;
      let last = params.supportSize - 1u;
      m0 = row_sample(t, min(s, last)) * D4;
      m1 = row_sample(t, min(s + 1u, last)) * D4;
      m2 = row_sample(t, min(s + 2u, last)) * D4;
      m3 = row_sample(t, min(s + 3u, last)) * D4;
    }
    for (var c = 0u; c < D4; c++) {
      var m = mat4x4<f32>();
      if (fromTheta) {
        m = mat4x4<f32>(theta4[m0 + c], theta4[m1 + c], theta4[m2 + c], theta4[m3 + c]);
      } else {
        m = mat4x4<f32>(x4[m0 + c], x4[m1 + c], x4[m2 + c], x4[m3 + c]);
      }
      a0 += x4[b0 + c] * m;
      a1 += x4[b1 + c] * m;
      a2 += x4[b2 + c] * m;
      a3 += x4[b3 + c] * m;
      a4 += x4[b4 + c] * m;
      a5 += x4[b5 + c] * m;
      a6 += x4[b6 + c] * m;
      a7 += x4[b7 + c] * m;
    }
    let acc = array<vec4<f32>, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
    for (var k = 0u; k < 8u && r0 + k < params.rows; k++) {
      for (var u = 0u; u < 4u && 4u * q + u < width; u++) {
        proj[(t * params.rows + r0 + k) * width + 4u * q + u] = acc[k][u];
      }
    }
  }
}
