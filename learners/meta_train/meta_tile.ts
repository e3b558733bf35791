/**
 * Wrapper of `shaders/meta_tile.wgsl` (every model of a population starts from theta) and its CPU
 * twin `tileRows`.
 * @module
 */
import code from "../../shaders/meta_tile.wgsl" with { type: "text" };
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";

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

/** The tile kernel. */
export const META_TILE: MetaKernel = metaKernel("meta_tile", code, {
  read: "theta",
  readWrite: "rows",
  params: "n, stride, gridX",
});

/** The kernel run that writes `models` rows of `stride` floats of `rows` from `theta`. */
export function metaTileRun(
  b: { theta: MetaBinding; rows: MetaBinding },
  models: number,
  stride: number,
): MetaRun {
  const n = models * stride;
  return { n, buffers: { theta: b.theta, rows: b.rows }, params: { n, stride } };
}
