/**
 * Every model of a meta loop's population starts from theta: `tileRows` (CPU twin, the
 * specification) and `encodeTileCopies` (buffer copies on the device).
 * @module
 */

/** CPU twin: a (models, stride) table whose every row is theta[0 .. stride). */
export function tileRows(
  theta: ArrayLike<number>,
  models: number,
  stride: number,
): Float32Array<ArrayBuffer> {
  const out = new Float32Array(models * stride);
  for (let k = 0; k < out.length; k++) out[k] = theta[k % stride]!;
  return out;
}

/**
 * Encodes the copies that make each of the first `models` rows (`stride` floats) of `rows` a copy
 * of theta (the GPU side of tileRows): on a software adapter a copy is a memcpy, where a kernel
 * writing one float per invocation cost 4 CPU-ms for 32 rows of a 196-64-64-5 network and 34 for
 * 256 (bench --metatrain, 2026-12-02).
 */
export function encodeTileCopies(
  enc: GPUCommandEncoder,
  b: { theta: GPUBuffer; rows: GPUBuffer },
  models: number,
  stride: number,
): void {
  for (let p = 0; p < models; p++) {
    enc.copyBufferToBuffer(b.theta, 0, b.rows, p * stride * 4, stride * 4);
  }
}
