// _bbob: the held-out BBOB suite's functions (f - f_opt), composed into every kernel that evaluates
// them (bbob_eval.wgsl for the strategies, evolve_objective.wgsl for the GA). Twin: bbobBatch in
// learners/tasks/bbob.ts (definitions: Hansen et al. 2009, INRIA RR-6829).
// The including kernel defines two accessors:
//   fn bbob_x(i: u32) -> f32     coordinate i of the candidate being evaluated
//   fn bbob_data(i: u32) -> f32  element i of its instance data
// and calls bbob_value(fid, dim, offset) with the instance's x_opt (D), R (D, D) and Q (D, D),
// row-major, stored from `offset` on. D <= BBOB_MAXD. Names are prefixed bb_ / BBOB_.

const BBOB_MAXD: u32 = 128u;
const BBOB_TWO_PI: f32 = 6.283185307179586;
// Work vectors of the invocation.
var<private> bb_a: array<f32, BBOB_MAXD>;
var<private> bb_b: array<f32, BBOB_MAXD>;
var<private> bb_off: u32;
var<private> bb_D: u32;

fn bb_xopt(i: u32) -> f32 { return bbob_data(bb_off + i); }
fn bb_sgn(i: u32) -> f32 { return select(-1.0, 1.0, bb_xopt(i) >= 0.0); }

// bb_a = x - x_opt
fn bb_load_shifted() {
  for (var i = 0u; i < bb_D; i++) { bb_a[i] = bbob_x(i) - bb_xopt(i); }
}

// bb_a = M bb_a, M = R (which 0) or Q (which 1)
fn bb_rotate(which: u32) {
  let m = bb_off + bb_D + which * bb_D * bb_D;
  for (var i = 0u; i < bb_D; i++) {
    var s = 0.0;
    for (var j = 0u; j < bb_D; j++) { s += bbob_data(m + i * bb_D + j) * bb_a[j]; }
    bb_b[i] = s;
  }
  for (var i = 0u; i < bb_D; i++) { bb_a[i] = bb_b[i]; }
}

fn bb_frac(i: u32) -> f32 { return select(0.0, f32(i) / f32(bb_D - 1u), bb_D > 1u); }

fn bb_t_osz(v: f32) -> f32 {
  if (v == 0.0) { return 0.0; }
  let xh = log(abs(v));
  let c1 = select(5.5, 10.0, v > 0.0);
  let c2 = select(3.1, 7.9, v > 0.0);
  return sign(v) * exp(xh + 0.049 * (sin(c1 * xh) + sin(c2 * xh)));
}

fn bb_osz_all() { for (var i = 0u; i < bb_D; i++) { bb_a[i] = bb_t_osz(bb_a[i]); } }

fn bb_asy_all(beta: f32) {
  for (var i = 0u; i < bb_D; i++) {
    if (bb_a[i] > 0.0) { bb_a[i] = pow(bb_a[i], 1.0 + beta * bb_frac(i) * sqrt(bb_a[i])); }
  }
}

fn bb_lambda_all(alpha: f32) {
  for (var i = 0u; i < bb_D; i++) { bb_a[i] = bb_a[i] * pow(alpha, 0.5 * bb_frac(i)); }
}

fn bb_ellipsoid() -> f32 {
  var s = 0.0;
  for (var i = 0u; i < bb_D; i++) { s += pow(10.0, 6.0 * bb_frac(i)) * bb_a[i] * bb_a[i]; }
  return s;
}

fn bb_rastrigin() -> f32 {
  var c = 0.0;
  var s = 0.0;
  for (var i = 0u; i < bb_D; i++) {
    c += cos(BBOB_TWO_PI * bb_a[i]);
    s += bb_a[i] * bb_a[i];
  }
  return 10.0 * (f32(bb_D) - c) + s;
}

fn bb_sum_sq(first: u32) -> f32 {
  var s = 0.0;
  for (var i = first; i < bb_D; i++) { s += bb_a[i] * bb_a[i]; }
  return s;
}

fn bb_pen_x() -> f32 {
  var s = 0.0;
  for (var i = 0u; i < bb_D; i++) { s += pow(max(0.0, abs(bbob_x(i)) - 5.0), 2.0); }
  return s;
}

fn bb_f6() -> f32 {
  bb_load_shifted(); bb_rotate(0u); bb_lambda_all(10.0); bb_rotate(1u);
  var s = 0.0;
  for (var i = 0u; i < bb_D; i++) {
    let k = select(1.0, 100.0, bb_a[i] * bb_xopt(i) > 0.0);
    s += (k * bb_a[i]) * (k * bb_a[i]);
  }
  return pow(bb_t_osz(s), 0.9);
}

fn bb_f8() -> f32 {
  let c = max(1.0, sqrt(f32(bb_D)) / 8.0);
  bb_load_shifted();
  var s = 0.0;
  for (var i = 0u; i + 1u < bb_D; i++) {
    let zi = c * bb_a[i] + 1.0;
    let zn = c * bb_a[i + 1u] + 1.0;
    s += 100.0 * (zi * zi - zn) * (zi * zi - zn) + (zi - 1.0) * (zi - 1.0);
  }
  return s;
}

fn bb_f14() -> f32 {
  bb_load_shifted(); bb_rotate(0u);
  var s = 0.0;
  for (var i = 0u; i < bb_D; i++) { s += pow(abs(bb_a[i]), 2.0 + 4.0 * bb_frac(i)); }
  return sqrt(s);
}

fn bb_f17() -> f32 {
  bb_load_shifted(); bb_rotate(0u); bb_asy_all(0.5); bb_rotate(1u); bb_lambda_all(10.0);
  var s = 0.0;
  for (var i = 0u; i + 1u < bb_D; i++) {
    let si = sqrt(bb_a[i] * bb_a[i] + bb_a[i + 1u] * bb_a[i + 1u]);
    let q = sin(50.0 * pow(si, 0.2));
    s += sqrt(si) + sqrt(si) * q * q;
  }
  let m = s / f32(max(1u, bb_D - 1u));
  return m * m + 10.0 * bb_pen_x();
}

fn bb_f20() -> f32 {
  var prev = 0.0;
  for (var i = 0u; i < bb_D; i++) {
    let xh = 2.0 * bb_sgn(i) * bbob_x(i);
    var zh = xh;
    if (i > 0u) { zh = xh + 0.25 * (prev - 2.0 * abs(bb_xopt(i - 1u))); }
    prev = xh;
    bb_a[i] = zh - 2.0 * abs(bb_xopt(i));
  }
  bb_lambda_all(10.0);
  var s = 0.0;
  var pen = 0.0;
  for (var i = 0u; i < bb_D; i++) {
    let z = 100.0 * (bb_a[i] + 2.0 * abs(bb_xopt(i)));
    s += z * sin(sqrt(abs(z)));
    pen += pow(max(0.0, abs(z / 100.0) - 5.0), 2.0);
  }
  return -s / (100.0 * f32(bb_D)) + 4.189828872724339 + 100.0 * pen;
}

fn bb_f24() -> f32 {
  let mu0 = 2.5;
  let sv = 1.0 - 1.0 / (2.0 * sqrt(f32(bb_D) + 20.0) - 8.2);
  let mu1 = -sqrt((mu0 * mu0 - 1.0) / sv);
  var p = 0.0;
  var q = 0.0;
  for (var i = 0u; i < bb_D; i++) {
    let xh = 2.0 * bb_sgn(i) * bbob_x(i);
    p += (xh - mu0) * (xh - mu0);
    q += (xh - mu1) * (xh - mu1);
    bb_a[i] = xh - mu0;
  }
  bb_rotate(0u); bb_lambda_all(100.0); bb_rotate(1u);
  var c = 0.0;
  for (var i = 0u; i < bb_D; i++) { c += cos(BBOB_TWO_PI * bb_a[i]); }
  return min(p, f32(bb_D) + sv * q) + 10.0 * (f32(bb_D) - c) + 1e4 * bb_pen_x();
}

fn bbob_value(fid: u32, dim: u32, offset: u32) -> f32 {
  bb_D = dim;
  bb_off = offset;
  switch fid {
    case 1u: { bb_load_shifted(); return bb_sum_sq(0u); }
    case 2u: { bb_load_shifted(); bb_osz_all(); return bb_ellipsoid(); }
    case 3u: {
      bb_load_shifted(); bb_osz_all(); bb_asy_all(0.2); bb_lambda_all(10.0);
      return bb_rastrigin();
    }
    case 6u: { return bb_f6(); }
    case 8u: { return bb_f8(); }
    case 10u: { bb_load_shifted(); bb_rotate(0u); bb_osz_all(); return bb_ellipsoid(); }
    case 11u: {
      bb_load_shifted(); bb_rotate(0u); bb_osz_all();
      return 1e6 * bb_a[0] * bb_a[0] + bb_sum_sq(1u);
    }
    case 12u: {
      bb_load_shifted(); bb_rotate(0u); bb_asy_all(0.5); bb_rotate(0u);
      return bb_a[0] * bb_a[0] + 1e6 * bb_sum_sq(1u);
    }
    case 13u: {
      bb_load_shifted(); bb_rotate(0u); bb_lambda_all(10.0); bb_rotate(1u);
      return bb_a[0] * bb_a[0] + 100.0 * sqrt(bb_sum_sq(1u));
    }
    case 14u: { return bb_f14(); }
    case 15u: {
      bb_load_shifted(); bb_rotate(0u); bb_osz_all(); bb_asy_all(0.2); bb_rotate(1u);
      bb_lambda_all(10.0); bb_rotate(0u);
      return bb_rastrigin();
    }
    case 17u: { return bb_f17(); }
    case 20u: { return bb_f20(); }
    case 24u: { return bb_f24(); }
    // The hosts (BbobDevice, packObjectiveTasks) only pack functions of the suite.
    default: { return -1.0; }
  }
}
