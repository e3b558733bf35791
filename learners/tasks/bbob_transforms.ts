/**
 * The BBOB transformations (Hansen, Finck, Ros and Auger 2009, "Real-parameter black-box
 * optimization benchmarking 2009: noiseless functions definitions", INRIA RR-6829, section 0):
 * T_osz, T_asy, the conditioning Lambda^alpha and the boundary penalty f_pen. Plain f64 loops.
 * @module
 */

/** T_osz applied elementwise: sign(x) exp(xh + 0.049 (sin(c1 xh) + sin(c2 xh))), xh = ln|x|. */
export function tOsz(x: Float64Array): Float64Array {
  return x.map((v) => {
    if (v === 0) return 0;
    const xh = Math.log(Math.abs(v));
    const c1 = v > 0 ? 10 : 5.5;
    const c2 = v > 0 ? 7.9 : 3.1;
    return Math.sign(v) * Math.exp(xh + 0.049 * (Math.sin(c1 * xh) + Math.sin(c2 * xh)));
  });
}

/** T_asy^beta: x_i^(1 + beta i/(D-1) sqrt(x_i)) for x_i > 0, x_i otherwise. */
export function tAsy(x: Float64Array, beta: number): Float64Array {
  const d = x.length;
  return x.map((v, i) => v > 0 ? v ** (1 + beta * (d > 1 ? i / (d - 1) : 0) * Math.sqrt(v)) : v);
}

/** Lambda^alpha x: x_i times alpha^(i / (2 (D-1))). */
export function lambda(x: Float64Array, alpha: number): Float64Array {
  const d = x.length;
  return x.map((v, i) => v * alpha ** (d > 1 ? 0.5 * i / (d - 1) : 0));
}

/** f_pen: sum max(0, |x_i| - 5)^2. */
export function fPen(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.max(0, Math.abs(x[i]!) - 5) ** 2;
  return s;
}

/** Row-major (D, D) matrix times vector. */
export function matVec(m: Float64Array, x: Float64Array): Float64Array {
  const d = x.length;
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += m[i * d + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** 10 (D - sum cos(2 pi z_i)) + |z|^2, the Rastrigin core. */
export function rastriginCore(z: Float64Array): number {
  let c = 0;
  let s = 0;
  for (const v of z) {
    c += Math.cos(2 * Math.PI * v);
    s += v * v;
  }
  return 10 * (z.length - c) + s;
}

/** sum 10^(power i/(D-1)) z_i^2: the ellipsoid core (power 6: condition 1e6). */
export function ellipsoidCore(z: Float64Array, power = 6): number {
  const d = z.length;
  let s = 0;
  for (let i = 0; i < d; i++) s += 10 ** (d > 1 ? power * i / (d - 1) : 0) * z[i]! ** 2;
  return s;
}
