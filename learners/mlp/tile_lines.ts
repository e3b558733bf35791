/**
 * WGSL line builders shared by the scalar tiles (mlp_tiles_wgsl.ts) and the vec4 tiles
 * (mlp_tiles_vec4_wgsl.ts). Accumulators are named a_m_n (row m, column n of the tile).
 * @module
 */
import { range, type TileShape } from "./mlp_tiles.ts";

/** One line per (m, n) of an R x C tile. */
export function perEntry(t: TileShape, line: (m: number, n: number) => string): string[] {
  return range(t.rows).flatMap((m) => range(t.cols).map((n) => line(m, n)));
}

/** `var a_m_n = init(m, n);` for every accumulator. */
export const accumulators = (t: TileShape, init: (m: number, n: number) => string): string[] =>
  perEntry(t, (m, n) => `  var a_${m}_${n} = ${init(m, n)};`);

/** Shifts every row of accumulators `by` columns left (a_m_n = a_m_{n+by}), inside a loop. */
export const shiftColumns = (t: TileShape, by: number): string[] =>
  perEntry({ rows: t.rows, cols: t.cols - by }, (m, n) => `    a_${m}_${n} = a_${m}_${n + by};`);

/** Activates every accumulator below the last layer (the forward tiles' epilogue). */
export const activateAll = (t: TileShape): string[] => [
  `  if (l + 1u < u.L) {`,
  ...perEntry(t, (m, n) => `    a_${m}_${n} = activate(a_${m}_${n});`),
  `  }`,
];

/**
 * The value a weight-gradient tile stores for gradient `g` of parameter `w` (WGSL expressions of
 * the same type, f32 or vec4<f32>): the gradient, or for a model whose SGD step is fused (`fuse.on`,
 * see shaders/train_step.wgsl) the updated parameter w - lr * (g + wd * w). One store whatever the
 * model's optimizer: a branch would run both sides on lavapipe.
 */
export const gradientStore = (g: string, w: string): string =>
  `select(${g}, ${w} - fuse.lr * (${g} + fuse.wd * ${w}), fuse.on)`;
