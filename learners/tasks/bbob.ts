/**
 * A held-out suite of 14 BBOB functions (Hansen, Finck, Ros and Auger 2009, "Real-parameter
 * black-box optimization benchmarking 2009: noiseless functions definitions", INRIA RR-6829) in
 * the five BBOB groups: separable (f1, f2, f3), moderate conditioning (f6, f8), high conditioning
 * (f10, f11, f12, f13, f14), multimodal with adequate global structure (f15, f17) and multimodal
 * with weak global structure (f20, f24). Every instance draws its own optimum x_opt and rotations
 * R, Q from (seed, instance); f_opt is 0, so a value is f - f_opt. Plain f64 loops.
 * @module
 */
import { deriveSeed, rngUniform } from "../../core/rng.ts";
import { randomOrthogonal } from "./_linalg.ts";
import {
  ellipsoidCore,
  fPen,
  lambda,
  matVec,
  rastriginCore,
  tAsy,
  tOsz,
} from "./bbob_transforms.ts";

/** The BBOB function groups. */
export const BBOB_GROUPS = [
  "separable",
  "moderate",
  "ill-conditioned",
  "multimodal",
  "weak-structure",
] as const;

/** One of `BBOB_GROUPS`. */
export type BbobGroup = typeof BBOB_GROUPS[number];

/** A drawn instance: optimum, rotations and the sign vector of f20 / f24. */
export interface BbobInstance {
  /** BBOB function number. */
  fid: number;
  /** Dimension. */
  dim: number;
  /** The optimum x_opt, (D). */
  xopt: Float64Array;
  /** Rotation R, (D, D) row-major. */
  R: Float64Array;
  /** Rotation Q, (D, D) row-major. */
  Q: Float64Array;
}

/** A BBOB function: f - f_opt of an instance at one point. */
export type BbobFn = (x: Float64Array, o: BbobInstance) => number;

const sub = (x: Float64Array, o: Float64Array) => x.map((v, i) => v - o[i]!);
const sumSq = (z: Float64Array, from = 0) => z.reduce((a, v, i) => (i >= from ? a + v * v : a), 0);
const sgn = (o: BbobInstance) => o.xopt.map((v) => (v >= 0 ? 1 : -1));

function f6(x: Float64Array, o: BbobInstance): number {
  const z = matVec(o.Q, lambda(matVec(o.R, sub(x, o.xopt)), 10));
  let s = 0;
  for (let i = 0; i < z.length; i++) s += ((z[i]! * o.xopt[i]! > 0 ? 100 : 1) * z[i]!) ** 2;
  return tOsz(Float64Array.of(s))[0]! ** 0.9;
}

function f8(x: Float64Array, o: BbobInstance): number {
  const c = Math.max(1, Math.sqrt(x.length) / 8);
  const z = sub(x, o.xopt).map((v) => c * v + 1);
  let s = 0;
  for (let i = 0; i + 1 < z.length; i++) {
    s += 100 * (z[i]! ** 2 - z[i + 1]!) ** 2 + (z[i]! - 1) ** 2;
  }
  return s;
}

function f17(x: Float64Array, o: BbobInstance): number {
  const z = lambda(matVec(o.Q, tAsy(matVec(o.R, sub(x, o.xopt)), 0.5)), 10);
  const d = z.length;
  let s = 0;
  for (let i = 0; i + 1 < d; i++) {
    const si = Math.sqrt(z[i]! ** 2 + z[i + 1]! ** 2);
    s += Math.sqrt(si) + Math.sqrt(si) * Math.sin(50 * si ** 0.2) ** 2;
  }
  return (s / Math.max(1, d - 1)) ** 2 + 10 * fPen(x);
}

function f20(x: Float64Array, o: BbobInstance): number {
  const d = x.length;
  const xh = x.map((v, i) => 2 * sgn(o)[i]! * v);
  const a = o.xopt.map((v) => 2 * Math.abs(v));
  const zh = xh.map((v, i) => (i === 0 ? v : v + 0.25 * (xh[i - 1]! - a[i - 1]!)));
  const z = lambda(zh.map((v, i) => v - a[i]!), 10).map((v, i) => 100 * (v + a[i]!));
  let s = 0;
  for (const v of z) s += v * Math.sin(Math.sqrt(Math.abs(v)));
  return -s / (100 * d) + 4.189828872724339 + 100 * fPen(z.map((v) => v / 100));
}

function f24(x: Float64Array, o: BbobInstance): number {
  const d = x.length;
  const mu0 = 2.5;
  const s = 1 - 1 / (2 * Math.sqrt(d + 20) - 8.2);
  const mu1 = -Math.sqrt((mu0 * mu0 - 1) / s);
  const xh = x.map((v, i) => 2 * sgn(o)[i]! * v);
  const z = matVec(o.Q, lambda(matVec(o.R, xh.map((v) => v - mu0)), 100));
  let a = 0;
  let b = 0;
  let c = 0;
  for (let i = 0; i < d; i++) {
    a += (xh[i]! - mu0) ** 2;
    b += (xh[i]! - mu1) ** 2;
    c += Math.cos(2 * Math.PI * z[i]!);
  }
  return Math.min(a, d + s * b) + 10 * (d - c) + 1e4 * fPen(x);
}

/** The suite: function number -> name, group and definition. */
export const BBOB_FUNCTIONS: Readonly<
  Record<number, { name: string; group: BbobGroup; f: BbobFn }>
> = {
  1: { name: "sphere", group: "separable", f: (x, o) => sumSq(sub(x, o.xopt)) },
  2: { name: "ellipsoid", group: "separable", f: (x, o) => ellipsoidCore(tOsz(sub(x, o.xopt))) },
  3: {
    name: "rastrigin",
    group: "separable",
    f: (x, o) => rastriginCore(lambda(tAsy(tOsz(sub(x, o.xopt)), 0.2), 10)),
  },
  6: { name: "attractive-sector", group: "moderate", f: f6 },
  8: { name: "rosenbrock", group: "moderate", f: f8 },
  10: {
    name: "ellipsoid-rotated",
    group: "ill-conditioned",
    f: (x, o) => ellipsoidCore(tOsz(matVec(o.R, sub(x, o.xopt)))),
  },
  11: {
    name: "discus",
    group: "ill-conditioned",
    f: (x, o) => {
      const z = tOsz(matVec(o.R, sub(x, o.xopt)));
      return 1e6 * z[0]! ** 2 + sumSq(z, 1);
    },
  },
  12: {
    name: "bent-cigar",
    group: "ill-conditioned",
    f: (x, o) => {
      const z = matVec(o.R, tAsy(matVec(o.R, sub(x, o.xopt)), 0.5));
      return z[0]! ** 2 + 1e6 * sumSq(z, 1);
    },
  },
  13: {
    name: "sharp-ridge",
    group: "ill-conditioned",
    f: (x, o) => {
      const z = matVec(o.Q, lambda(matVec(o.R, sub(x, o.xopt)), 10));
      return z[0]! ** 2 + 100 * Math.sqrt(sumSq(z, 1));
    },
  },
  14: {
    name: "different-powers",
    group: "ill-conditioned",
    f: (x, o) => {
      const z = matVec(o.R, sub(x, o.xopt));
      const d = z.length;
      return Math.sqrt(
        z.reduce((a, v, i) => a + Math.abs(v) ** (2 + (d > 1 ? 4 * i / (d - 1) : 0)), 0),
      );
    },
  },
  15: {
    name: "rastrigin-rotated",
    group: "multimodal",
    f: (x, o) =>
      rastriginCore(
        matVec(o.R, lambda(matVec(o.Q, tAsy(tOsz(matVec(o.R, sub(x, o.xopt))), 0.2)), 10)),
      ),
  },
  17: { name: "schaffers-f7", group: "multimodal", f: f17 },
  20: { name: "schwefel", group: "weak-structure", f: f20 },
  24: { name: "lunacek", group: "weak-structure", f: f24 },
};

/** The suite's function numbers, ascending. */
export const BBOB_IDS: readonly number[] = Object.keys(BBOB_FUNCTIONS).map(Number);

/**
 * Draws instance `instance` of function `fid` in `dim` dimensions: x_opt uniform in [-4, 4]^D
 * (f8: [-3, 3]; f20: 4.2096874633/2 times random signs; f24: 1.25 times random signs) from
 * rngUniform(deriveSeed(seed, "bbob-xopt-<fid>"), instance, i); R and Q random orthonormal.
 */
export function bbobInstance(fid: number, dim: number, instance: number, seed = 0): BbobInstance {
  if (!BBOB_FUNCTIONS[fid]) {
    throw new RangeError(
      `Cannot create BBOB function as fid must be one of ${
        BBOB_IDS.join(", ")
      }: current value is ${fid}`,
    );
  }
  if (!Number.isInteger(dim) || dim < 2) {
    throw new RangeError(
      `Cannot create BBOB function as dim must be an integer >= 2: current value is ${dim}`,
    );
  }
  const k = deriveSeed(seed, `bbob-xopt-${fid}`);
  const xopt = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    const u = 2 * rngUniform(k, instance, i) - 1;
    const sign = u >= 0 ? 1 : -1;
    xopt[i] = fid === 20
      ? sign * 4.2096874633 / 2
      : fid === 24
      ? sign * 1.25
      : (fid === 8 ? 3 : 4) * u;
  }
  const R = randomOrthogonal(deriveSeed(seed, `bbob-R-${fid}`), instance, dim);
  const Q = randomOrthogonal(deriveSeed(seed, `bbob-Q-${fid}`), instance, dim);
  return { fid, dim, xopt, R, Q };
}

/** f(x) - f_opt of an instance at one point of length D. */
export function bbobValue(inst: BbobInstance, x: ArrayLike<number>): number {
  return BBOB_FUNCTIONS[inst.fid]!.f(Float64Array.from(x), inst);
}

/** Values of n points stored row-major (n, D). */
export function bbobBatch(inst: BbobInstance, xs: ArrayLike<number>, n: number): Float64Array {
  const d = inst.dim;
  const out = new Float64Array(n);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = xs[i * d + j]!;
    out[i] = BBOB_FUNCTIONS[inst.fid]!.f(row, inst);
  }
  return out;
}
