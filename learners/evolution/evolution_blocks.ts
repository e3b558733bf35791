/**
 * The search space of base evolution: parameter blocks (what layer swap, low-rank mutation and
 * resets act on) of an MLP or of a point, their packed form for the kernels, and the initial
 * points of objective tasks.
 * @module
 */
import { deriveSeed, rngNormal } from "../../core/rng.ts";
import { f32ToBits } from "./evolution_arrays.ts";
import { BLOCK, EVOLVE_ROW } from "./evolution_rows.ts";
import { initStd } from "../mlp/mlp_cpu.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";

/** A block of a parameter vector: layer swap and low-rank mutation act on blocks. */
export interface ParamBlock {
  /** First parameter. */
  offset: number;
  /** Rows (low-rank noise is rows x cols). */
  rows: number;
  /** Columns. */
  cols: number;
  /** Std of a reset (mutation "reset"). */
  resetStd: number;
}

/** Blocks of an MLP: each layer's weights [out][in] and its bias [out]. */
export function mlpBlocks(layout: MlpLayout): ParamBlock[] {
  const out: ParamBlock[] = [];
  for (let l = 0; l < layout.layers; l++) {
    const fin = layout.widths[l]!;
    const fout = layout.widths[l + 1]!;
    out.push({
      offset: layout.weightOffset[l]!,
      rows: fout,
      cols: fin,
      resetStd: initStd(layout, l),
    });
    out.push({ offset: layout.biasOffset[l]!, rows: fout, cols: 1, resetStd: 0 });
  }
  return out;
}

/** Blocks of a point of `dim` coordinates: two halves (rows x 1), reset std `initScale`. */
export function pointBlocks(dim: number, initScale: number): ParamBlock[] {
  const h = Math.ceil(dim / 2);
  const out: ParamBlock[] = [{ offset: 0, rows: h, cols: 1, resetStd: initScale }];
  if (dim > h) out.push({ offset: h, rows: dim - h, cols: 1, resetStd: initScale });
  return out;
}

/** Packs blocks as BLOCK rows (offset, rows, cols, resetStd bits) of u32 for the kernels. */
export function packBlocks(blocks: readonly ParamBlock[]): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(blocks.length * EVOLVE_ROW);
  blocks.forEach((b, i) => {
    const r = i * EVOLVE_ROW;
    out[r + BLOCK.offset] = b.offset;
    out[r + BLOCK.rows] = b.rows;
    out[r + BLOCK.cols] = b.cols;
    out[r + BLOCK.resetStdBits] = f32ToBits(b.resetStd);
  });
  return out;
}

/**
 * Initial points for objective tasks: coordinate k of model j of a segment is
 * initScale * rngNormal(deriveSeed(seed, "evolve-init"), stream, j, k), where `stream` is given
 * per segment, so segments with the same stream (same task and replicate) start from the same
 * population (common random numbers across genomes).
 */
export function initialPoints(
  streams: readonly number[],
  M: number,
  dim: number,
  stride: number,
  options: { seed: number; initScale: number },
): Float32Array<ArrayBuffer> {
  const out = new Float32Array(streams.length * M * stride);
  const key = deriveSeed(options.seed, "evolve-init");
  streams.forEach((st, s) => {
    for (let j = 0; j < M; j++) {
      for (let k = 0; k < dim; k++) {
        out[(s * M + j) * stride + k] = options.initScale * rngNormal(key, st, j, k);
      }
    }
  });
  return out;
}
