// bbob_eval: f - f_opt of the held-out BBOB suite for every candidate of S strategy instances.
// Twin: bbobBatch in learners/tasks/bbob.ts (definitions: Hansen et al. 2009, INRIA RR-6829).
// The bindings and struct Params are declared in learners/strategies/bbob_device.ts.
// Bindings: 0 x (S, N, D) f32 read, 1 header (S, 4) u32 read (fid, dim, offset of x_opt, pad),
// 2 inst f32 read (per instance: x_opt (D), R (D, D), Q (D, D) row-major, from `offset`),
// 3 fitness (S, N) f32 rw, 4 params read.
// One invocation per candidate; D <= MAXD. Dispatch: ceil(S*N / 64) workgroups of 64.

const MAXD: u32 = 128u;
const TWO_PI: f32 = 6.283185307179586;
// Work vectors of the invocation.
var<private> a: array<f32, MAXD>;
var<private> b: array<f32, MAXD>;
var<private> xrow: u32;
var<private> off: u32;
var<private> D: u32;

fn xopt(i: u32) -> f32 { return inst[off + i]; }
fn sgn(i: u32) -> f32 { return select(-1.0, 1.0, xopt(i) >= 0.0); }

// a = x - x_opt
fn load_shifted() {
  for (var i = 0u; i < D; i++) { a[i] = x[xrow + i] - xopt(i); }
}

// a = M a, M = R (which 0) or Q (which 1)
fn rotate(which: u32) {
  let m = off + D + which * D * D;
  for (var i = 0u; i < D; i++) {
    var s = 0.0;
    for (var j = 0u; j < D; j++) { s += inst[m + i * D + j] * a[j]; }
    b[i] = s;
  }
  for (var i = 0u; i < D; i++) { a[i] = b[i]; }
}

fn frac(i: u32) -> f32 { return select(0.0, f32(i) / f32(D - 1u), D > 1u); }

fn t_osz(v: f32) -> f32 {
  if (v == 0.0) { return 0.0; }
  let xh = log(abs(v));
  let c1 = select(5.5, 10.0, v > 0.0);
  let c2 = select(3.1, 7.9, v > 0.0);
  return sign(v) * exp(xh + 0.049 * (sin(c1 * xh) + sin(c2 * xh)));
}

fn osz_all() { for (var i = 0u; i < D; i++) { a[i] = t_osz(a[i]); } }

fn asy_all(beta: f32) {
  for (var i = 0u; i < D; i++) {
    if (a[i] > 0.0) { a[i] = pow(a[i], 1.0 + beta * frac(i) * sqrt(a[i])); }
  }
}

fn lambda_all(alpha: f32) {
  for (var i = 0u; i < D; i++) { a[i] = a[i] * pow(alpha, 0.5 * frac(i)); }
}

fn ellipsoid() -> f32 {
  var s = 0.0;
  for (var i = 0u; i < D; i++) { s += pow(10.0, 6.0 * frac(i)) * a[i] * a[i]; }
  return s;
}

fn rastrigin() -> f32 {
  var c = 0.0;
  var s = 0.0;
  for (var i = 0u; i < D; i++) {
    c += cos(TWO_PI * a[i]);
    s += a[i] * a[i];
  }
  return 10.0 * (f32(D) - c) + s;
}

fn sum_sq(first: u32) -> f32 {
  var s = 0.0;
  for (var i = first; i < D; i++) { s += a[i] * a[i]; }
  return s;
}

fn pen_x() -> f32 {
  var s = 0.0;
  for (var i = 0u; i < D; i++) { s += pow(max(0.0, abs(x[xrow + i]) - 5.0), 2.0); }
  return s;
}

fn f6() -> f32 {
  load_shifted(); rotate(0u); lambda_all(10.0); rotate(1u);
  var s = 0.0;
  for (var i = 0u; i < D; i++) {
    let k = select(1.0, 100.0, a[i] * xopt(i) > 0.0);
    s += (k * a[i]) * (k * a[i]);
  }
  return pow(t_osz(s), 0.9);
}

fn f8() -> f32 {
  let c = max(1.0, sqrt(f32(D)) / 8.0);
  load_shifted();
  var s = 0.0;
  for (var i = 0u; i + 1u < D; i++) {
    let zi = c * a[i] + 1.0;
    let zn = c * a[i + 1u] + 1.0;
    s += 100.0 * (zi * zi - zn) * (zi * zi - zn) + (zi - 1.0) * (zi - 1.0);
  }
  return s;
}

fn f14() -> f32 {
  load_shifted(); rotate(0u);
  var s = 0.0;
  for (var i = 0u; i < D; i++) { s += pow(abs(a[i]), 2.0 + 4.0 * frac(i)); }
  return sqrt(s);
}

fn f17() -> f32 {
  load_shifted(); rotate(0u); asy_all(0.5); rotate(1u); lambda_all(10.0);
  var s = 0.0;
  for (var i = 0u; i + 1u < D; i++) {
    let si = sqrt(a[i] * a[i] + a[i + 1u] * a[i + 1u]);
    let q = sin(50.0 * pow(si, 0.2));
    s += sqrt(si) + sqrt(si) * q * q;
  }
  let m = s / f32(max(1u, D - 1u));
  return m * m + 10.0 * pen_x();
}

fn f20() -> f32 {
  var prev = 0.0;
  for (var i = 0u; i < D; i++) {
    let xh = 2.0 * sgn(i) * x[xrow + i];
    var zh = xh;
    if (i > 0u) { zh = xh + 0.25 * (prev - 2.0 * abs(xopt(i - 1u))); }
    prev = xh;
    a[i] = zh - 2.0 * abs(xopt(i));
  }
  lambda_all(10.0);
  var s = 0.0;
  var pen = 0.0;
  for (var i = 0u; i < D; i++) {
    let z = 100.0 * (a[i] + 2.0 * abs(xopt(i)));
    s += z * sin(sqrt(abs(z)));
    pen += pow(max(0.0, abs(z / 100.0) - 5.0), 2.0);
  }
  return -s / (100.0 * f32(D)) + 4.189828872724339 + 100.0 * pen;
}

fn f24() -> f32 {
  let mu0 = 2.5;
  let sv = 1.0 - 1.0 / (2.0 * sqrt(f32(D) + 20.0) - 8.2);
  let mu1 = -sqrt((mu0 * mu0 - 1.0) / sv);
  var p = 0.0;
  var q = 0.0;
  for (var i = 0u; i < D; i++) {
    let xh = 2.0 * sgn(i) * x[xrow + i];
    p += (xh - mu0) * (xh - mu0);
    q += (xh - mu1) * (xh - mu1);
    a[i] = xh - mu0;
  }
  rotate(0u); lambda_all(100.0); rotate(1u);
  var c = 0.0;
  for (var i = 0u; i < D; i++) { c += cos(TWO_PI * a[i]); }
  return min(p, f32(D) + sv * q) + 10.0 * (f32(D) - c) + 1e4 * pen_x();
}

fn evaluate(fid: u32) -> f32 {
  switch fid {
    case 1u: { load_shifted(); return sum_sq(0u); }
    case 2u: { load_shifted(); osz_all(); return ellipsoid(); }
    case 3u: { load_shifted(); osz_all(); asy_all(0.2); lambda_all(10.0); return rastrigin(); }
    case 6u: { return f6(); }
    case 8u: { return f8(); }
    case 10u: { load_shifted(); rotate(0u); osz_all(); return ellipsoid(); }
    case 11u: { load_shifted(); rotate(0u); osz_all(); return 1e6 * a[0] * a[0] + sum_sq(1u); }
    case 12u: {
      load_shifted(); rotate(0u); asy_all(0.5); rotate(0u);
      return a[0] * a[0] + 1e6 * sum_sq(1u);
    }
    case 13u: {
      load_shifted(); rotate(0u); lambda_all(10.0); rotate(1u);
      return a[0] * a[0] + 100.0 * sqrt(sum_sq(1u));
    }
    case 14u: { return f14(); }
    case 15u: {
      load_shifted(); rotate(0u); osz_all(); asy_all(0.2); rotate(1u); lambda_all(10.0);
      rotate(0u);
      return rastrigin();
    }
    case 17u: { return f17(); }
    case 20u: { return f20(); }
    case 24u: { return f24(); }
    // The host (BbobDevice) only packs functions of the suite.
    default: { return -1.0; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = grid_index(gid);
  if (e >= params.S * params.N) { return; }
  let s = e / params.N;
  D = header[s * 4u + 1u];
  off = header[s * 4u + 2u];
  xrow = e * params.D;
  fitness[e] = evaluate(header[s * 4u]);
}
