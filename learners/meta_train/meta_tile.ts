/**
 * Every model of a meta loop's population starts from theta: `tileRows` (CPU twin, the
 * specification) and `encodeTileCopies` (buffer copies on the device).
 * @module
 */

/**
 * CPU twin: a (models, stride) table whose every row is theta[0 .. stride), written to the first
 * models * stride entries of `out` when given (else a new table).
 */
export function tileRows<T extends Float32Array<ArrayBuffer | SharedArrayBuffer>>(
  theta: Float32Array,
  models: number,
  stride: number,
  out?: T,
): T | Float32Array<ArrayBuffer> {
  const rows = out ?? new Float32Array(models * stride);
  const row = theta.subarray(0, stride);
  if (row.length < stride) {
    throw new RangeError(`tileRows: theta has ${row.length} < ${stride} floats`);
  }
  for (let p = 0; p < models; p++) rows.set(row, p * stride);
  return rows;
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
