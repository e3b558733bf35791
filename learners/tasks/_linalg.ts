/**
 * Small dense linear algebra for task generation (internal): seeded random orthonormal bases and
 * plane rotations. Matrices are row-major Float64Array of shape (n, n).
 * @module
 */

import { rngNormal } from "../../core/rng.ts";

/**
 * A random orthonormal basis of R^n: modified Gram-Schmidt on a Gaussian matrix whose entry (i, j)
 * is `rngNormal(seed, stream, i*n + j, 0)`. Rows are the basis vectors.
 */
export function randomOrthogonal(seed: number, stream: number, n: number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) q[i] = rngNormal(seed, stream, i, 0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += q[i * n + j]! * q[k * n + j]!;
      for (let j = 0; j < n; j++) q[i * n + j] = q[i * n + j]! - dot * q[k * n + j]!;
    }
    let norm = 0;
    for (let j = 0; j < n; j++) norm += q[i * n + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < n; j++) q[i * n + j] = q[i * n + j]! / norm;
  }
  return q;
}

/**
 * The rotation by `angle` radians in each plane spanned by basis rows (2p, 2p+1) of `basis`
 * (p < floor(n/2)); an odd last basis direction is left fixed. Angle 0 gives the identity, and the
 * result is exactly orthogonal for any angle.
 */
export function planeRotation(basis: Float64Array, n: number, angle: number): Float64Array {
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) r[i * n + i] = 1;
  const c1 = Math.cos(angle) - 1;
  const s = Math.sin(angle);
  for (let p = 0; p + 1 < n; p += 2) {
    const a = p * n;
    const b = (p + 1) * n;
    for (let i = 0; i < n; i++) {
      const ai = basis[a + i]!;
      const bi = basis[b + i]!;
      for (let j = 0; j < n; j++) {
        const aj = basis[a + j]!;
        const bj = basis[b + j]!;
        // R += (cos-1)(a a^T + b b^T) + sin (b a^T - a b^T)
        r[i * n + j] = r[i * n + j]! + c1 * (ai * aj + bi * bj) + s * (bi * aj - ai * bj);
      }
    }
  }
  return r;
}
