/**
 * Row layouts of the evolution arrays (see `EvolveArrays`), named once here and emitted into the
 * evolution kernels as WGSL constants (`INFO_SHAPED`, `PARENT_FLAGS`, `SEG_BEST_SO_FAR`, ...):
 * per-model info and parents rows, per-segment state and history rows, parameter blocks and the
 * objective task headers. The genome row is in genome_layout.ts.
 * @module
 */
import { type RowLayout, rowLayout } from "../../core/wgsl_layout.ts";
import type { WgslPart } from "../../core/pipelines.ts";

const SOURCE = "learners/evolution/evolution_rows.ts";

/** f32 per history row: best, mean, valid, diverged, diversity, sigma scale, success, best so far. */
export const HIST = 8;
/** History columns by name. */
export const HISTORY_FIELDS = [
  "best",
  "mean",
  "valid",
  "diverged",
  "diversity",
  "sigmaScale",
  "successRate",
  "bestSoFar",
] as const;

/** Entries per row of the info, parents, segment-state, block and task rows. */
export const EVOLVE_ROW = 4;

/** Per-model info row: shaped fitness, rank in the segment, valid models of the segment, mean distance. */
export const INFO = { shaped: 0, rank: 1, nValid: 2, meanDist: 3 } as const;
/** Per-child parents row: parent a, parent b, FLAG_* bits, bits of the parent's fitness. */
export const PARENT = { a: 0, b: 1, flags: 2, fitnessBits: 3 } as const;
/** Per-segment state row: adaptive sigma scale, success rate, best so far, diversity sigma multiplier. */
export const SEG = { sigmaScale: 0, successRate: 1, bestSoFar: 2, diversityMult: 3 } as const;
/** Parameter block row: first parameter, rows, columns, bits of the reset std. */
export const BLOCK = { offset: 0, rows: 1, cols: 2, resetStdBits: 3 } as const;
/**
 * Objective task header row: kind (0 sphere, 1 rastrigin, 2 rosenbrock, 3 ackley, 4 user, 5 BBOB),
 * dim, offset of the optimum and of the rotation in the task table (BBOB: both the offset of its
 * instance block fid, x_opt (D), R (D, D), Q (D, D)).
 */
export const TASK = { kind: 0, dim: 1, optimum: 2, rotation: 3 } as const;
/** Task kind of a user objective (after the built-in objectives 0..3). */
export const USER_OBJECTIVE_KIND = 4;
/** Task kind of a BBOB instance (shaders/_bbob.wgsl). */
export const BBOB_OBJECTIVE_KIND = 5;
/** Per-generation, per-segment history row (HIST entries; the columns of HISTORY_FIELDS). */
export const HISTORY = {
  best: 0,
  mean: 1,
  valid: 2,
  diverged: 3,
  diversity: 4,
  sigmaScale: 5,
  successRate: 6,
  bestSoFar: 7,
} as const;

/** The info, parents, segment-state, block, task and history row layouts. */
export const EVOLVE_ROW_LAYOUTS: readonly RowLayout[] = [
  rowLayout("INFO", INFO, { stride: EVOLVE_ROW, source: SOURCE }),
  rowLayout("PARENT", PARENT, { stride: EVOLVE_ROW, source: SOURCE }),
  rowLayout("SEG", SEG, { stride: EVOLVE_ROW, source: SOURCE }),
  rowLayout("BLOCK", BLOCK, { stride: EVOLVE_ROW, source: SOURCE }),
  rowLayout("TASK", TASK, { stride: EVOLVE_ROW, source: SOURCE }),
  rowLayout("HISTORY", HISTORY, { stride: HIST, source: SOURCE }),
];

/** The WGSL constants of every evolution row layout, one part. */
export const EVOLVE_ROWS_WGSL: WgslPart = {
  file: `<generated: evolution row layouts from ${SOURCE}>`,
  code: EVOLVE_ROW_LAYOUTS.map((l) => l.wgsl.code).join(""),
};
