/**
 * Black-box objectives for evolution strategies: sphere, Rastrigin, Rosenbrock and Ackley in any
 * dimension, each task shifted and rotated by its own seeded transform so tasks differ. With
 * z = R (x - o) (Rosenbrock: z = R (x - o) + 1), every objective is 0 exactly at x = o and > 0
 * elsewhere. Plain TypeScript in f64; a GPU kernel twins these.
 * @module
 */

import { deriveSeed, rngUniform } from "../../core/rng.ts";
import { randomOrthogonal } from "./_linalg.ts";

/** Names of the built-in objectives. */
export const OBJECTIVE_NAMES = ["sphere", "rastrigin", "rosenbrock", "ackley"] as const;

/** One of `OBJECTIVE_NAMES`. */
export type ObjectiveName = typeof OBJECTIVE_NAMES[number];

/** Options of `createObjective`. */
export interface ObjectiveOptions {
  /** Seed of the task family (default 0). */
  seed?: number;
  /** Task index: stream of the shift and rotation draws (default 0). */
  task?: number;
  /** Shift o is uniform in [-shiftRange, shiftRange]^dim (default 2; 0 = no shift). */
  shiftRange?: number;
  /** Apply a random rotation (default true; false = identity). */
  rotate?: boolean;
}

/** A shifted, rotated black-box objective: minimise `evaluate`; its minimum is `optimumValue` at `optimum`. */
export interface Objective {
  /** Which function. */
  readonly name: ObjectiveName;
  /** Dimension. */
  readonly dim: number;
  /** The minimiser o (the shift), shape (dim), f32 values. */
  readonly optimum: Float32Array<ArrayBuffer>;
  /** The minimum value: 0. */
  readonly optimumValue: number;
  /** Rotation R, shape (dim, dim) row-major, f32 values (identity when not rotated). */
  readonly rotation: Float32Array<ArrayBuffer>;
  /** The value at one point of length dim. */
  evaluate(x: Float32Array | ArrayLike<number>): number;
  /** Values at n points stored row-major as (n, dim). */
  evaluateBatch(xs: Float32Array | ArrayLike<number>, n: number): Float64Array<ArrayBuffer>;
}

/**
 * Creates task `options.task` of objective `name` in `dim` dimensions. The shift o has
 * o[i] = fround(shiftRange * (2*rngUniform(k, task, i, 0) - 1)) with k = deriveSeed(seed,
 * "objective-shift"); the rotation is a random orthonormal matrix (modified Gram-Schmidt on
 * rngNormal(deriveSeed(seed, "objective-rotation"), task, i*dim + j, 0)) rounded to f32.
 * Definitions with z = R (x - o):
 * sphere sum z_i^2; Rastrigin 10*dim + sum (z_i^2 - 10 cos(2 pi z_i));
 * Rosenbrock sum_{i<dim-1} 100 (w_{i+1} - w_i^2)^2 + (1 - w_i)^2 with w = z + 1 (dim 1: (1 - w_0)^2);
 * Ackley -20 exp(-0.2 sqrt(mean z_i^2)) - exp(mean cos(2 pi z_i)) + 20 + e. Rastrigin and Ackley
 * are computed in equivalent forms (sin^2, expm1) that are exactly 0 at z = 0 and never negative.
 */
export function createObjective(
  name: ObjectiveName,
  dim: number,
  options: ObjectiveOptions = {},
): Objective {
  if (!OBJECTIVE_NAMES.includes(name)) {
    throw new RangeError(
      `Cannot create objective as name must be one of ${
        OBJECTIVE_NAMES.join(", ")
      }: current value is ${name}`,
    );
  }
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(
      `Cannot create objective as dim must be an integer >= 1: current value is ${dim}`,
    );
  }
  const shiftRange = options.shiftRange ?? 2;
  if (!(shiftRange >= 0 && Number.isFinite(shiftRange))) {
    throw new RangeError(
      `Cannot create objective as shiftRange must be finite and >= 0: current value is ${shiftRange}`,
    );
  }
  const seed = (options.seed ?? 0) >>> 0;
  const task = (options.task ?? 0) >>> 0;
  const optimum = new Float32Array(dim);
  const shiftKey = deriveSeed(seed, "objective-shift");
  for (let i = 0; i < dim; i++) {
    optimum[i] = shiftRange * (2 * rngUniform(shiftKey, task, i, 0) - 1);
  }
  const rotation = new Float32Array(dim * dim);
  if (options.rotate ?? true) {
    rotation.set(randomOrthogonal(deriveSeed(seed, "objective-rotation"), task, dim));
  } else {
    for (let i = 0; i < dim; i++) rotation[i * dim + i] = 1;
  }
  const d = new Float64Array(dim);
  const z = new Float64Array(dim);
  const f = FUNCTIONS[name];
  const at = (x: ArrayLike<number>, off: number): number => {
    for (let i = 0; i < dim; i++) d[i] = x[off + i]! - optimum[i]!;
    for (let i = 0; i < dim; i++) {
      let acc = 0;
      for (let j = 0; j < dim; j++) acc += rotation[i * dim + j]! * d[j]!;
      z[i] = acc;
    }
    return f(z);
  };
  return {
    name,
    dim,
    optimum,
    optimumValue: 0,
    rotation,
    evaluate(x: Float32Array | ArrayLike<number>): number {
      if (x.length !== dim) {
        throw new TypeError(
          `Cannot evaluate ${name} as x must have length ${dim}: current value is ${x.length}`,
        );
      }
      return at(x, 0);
    },
    evaluateBatch(xs: Float32Array | ArrayLike<number>, n: number): Float64Array<ArrayBuffer> {
      if (!Number.isInteger(n) || n < 0 || xs.length !== n * dim) {
        throw new TypeError(
          `Cannot evaluate ${name} batch as xs must have length n*dim = ${
            n * dim
          }: current value is ${xs.length}`,
        );
      }
      const out = new Float64Array(n);
      for (let p = 0; p < n; p++) out[p] = at(xs, p * dim);
      return out;
    },
  };
}

const FUNCTIONS: Record<ObjectiveName, (z: Float64Array) => number> = {
  sphere(z) {
    let s = 0;
    for (let i = 0; i < z.length; i++) s += z[i]! * z[i]!;
    return s;
  },
  rastrigin(z) {
    // 10 (1 - cos(2 pi z)) = 20 sin^2(pi z): exact 0 at z = 0 and >= 0 under rounding.
    let s = 0;
    for (let i = 0; i < z.length; i++) s += z[i]! * z[i]! + 20 * Math.sin(Math.PI * z[i]!) ** 2;
    return s;
  },
  rosenbrock(z) {
    const n = z.length;
    if (n === 1) return z[0]! * z[0]!;
    let s = 0;
    for (let i = 0; i < n - 1; i++) {
      // w = z + 1 written out in z so that tiny z keep their value: w' - w^2 = z' - 2z - z^2.
      const a = z[i]!;
      s += 100 * (z[i + 1]! - 2 * a - a * a) ** 2 + a * a;
    }
    return s;
  },
  ackley(z) {
    // -20 exp(-0.2 r) + 20 = -20 expm1(-0.2 r); e - exp(mean cos 2 pi z) = -e expm1(-2 mean sin^2(pi z)):
    // both terms are exactly 0 at z = 0 and > 0 elsewhere under rounding.
    const n = z.length;
    let sq = 0;
    let sn = 0;
    for (let i = 0; i < n; i++) {
      sq += z[i]! * z[i]!;
      sn += Math.sin(Math.PI * z[i]!) ** 2;
    }
    return -20 * Math.expm1(-0.2 * Math.sqrt(sq / n)) - Math.E * Math.expm1((-2 * sn) / n);
  },
};
