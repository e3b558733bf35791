/**
 * The arrays the evolution kernels and their CPU twins share (layout, flags, history fields) and
 * f32 bit helpers. See evolution_cpu.ts for the twins and evolution_kernels.ts for the kernels.
 * @module
 */
import { GENOME_STRIDE } from "./genome_layout.ts";
import { KNOB_STRIDE } from "../optimizers/knobs.ts";
import { METRIC_STRIDE } from "../metrics_row.ts";
import { EVOLVE_ROW, HIST } from "./evolution_rows.ts";

/** Flag of an elite child (copied unchanged). */
export const FLAG_ELITE = 1;
/** Flag of a crossover child. */
export const FLAG_CROSS = 2;
/** Model flag (flags array) of an invalid (diverged, quarantined or non-finite) model. */
export const MODEL_INVALID = 1;
/** Model flag (flags array) of an inactive model (index >= the segment's active count). */
export const MODEL_INACTIVE = 2;

/** Flag of a child of a segment without any valid model (keeps its parameters). */
export const FLAG_ORPHAN = 4;
/** Fitness written for "no valid model". */
export const NEG_BIG: number = Math.fround(-3e38);
export { HIST, HISTORY_FIELDS } from "./evolution_rows.ts";

/** RNG purposes: counter c1 = gen * 16 + purpose. */
export const PURPOSE = {
  parentA: 0,
  parentB: 1,
  cross: 2,
  sigma: 3,
  mask: 4,
  mutCoin: 5,
  mutNormal: 6,
  lowRankU: 7,
  lowRankV: 8,
  lowRankBlock: 9,
  reset: 10,
} as const;

/** The uniform every evolution kernel reads (field names match `EvolveParams` in WGSL). */
export interface EvolveDims {
  /** Models P = S*M. */
  P: number;
  /** Models per segment. */
  M: number;
  /** Segments. */
  S: number;
  /** Parameters per model. */
  D: number;
  /** Distance between models in params. */
  stride: number;
  /** RNG seed. */
  seed: number;
  /** Rows of the block table. */
  nBlocks: number;
  /** Parameters per breed invocation. */
  chunk: number;
  /** Generations the history holds. */
  histCap: number;
  /** Planned generations (learning-rate schedules). */
  generations: number;
}

/** The arrays of an evolving population (the GPU mirrors every one of them). */
export interface EvolveArrays {
  /** (P, stride) parameters. */
  params: Float32Array<ArrayBuffer>;
  /** (P, stride) children being bred. */
  next: Float32Array<ArrayBuffer>;
  /** (P) fitness, higher is better. */
  fitness: Float32Array<ArrayBuffer>;
  /** (P) 0 = valid, 1 = invalid (quarantined or non-finite fitness), 2 = inactive. */
  flags: Uint32Array<ArrayBuffer>;
  /** (P) evaluations of each model slot stopped by the user objective's iteration budget. */
  overruns: Uint32Array<ArrayBuffer>;
  /** (P, EVOLVE_ROW) INFO rows: shaped fitness, rank, nValid, mean distance. */
  info: Float32Array<ArrayBuffer>;
  /** (P) per segment: models by rank. */
  order: Uint32Array<ArrayBuffer>;
  /** (P, EVOLVE_ROW) PARENT rows: parent a, parent b, flags, bits of the parent's fitness. */
  parents: Uint32Array<ArrayBuffer>;
  /** (P) self-adaptive sigma multiplier. */
  sigma: Float32Array<ArrayBuffer>;
  /** (P) children's sigma multiplier. */
  sigmaNext: Float32Array<ArrayBuffer>;
  /** (S, EVOLVE_ROW) SEG rows: sigma scale, success rate, best so far, diversity multiplier. */
  segState: Float32Array<ArrayBuffer>;
  /** (histCap, S, HIST) HISTORY rows: per-generation statistics. */
  history: Float32Array<ArrayBuffer>;
  /** (S, GENOME_STRIDE) genome rows. */
  genome: Float32Array<ArrayBuffer>;
  /** (nBlocks, EVOLVE_ROW) BLOCK rows: offset, rows, cols, bits of the reset std. */
  blocks: Uint32Array<ArrayBuffer>;
  /** (4) [0] = generation. */
  clock: Uint32Array<ArrayBuffer>;
  /** (P, METRIC_STRIDE) train metrics rows (learners/metrics_row.ts). */
  metrics: Float32Array<ArrayBuffer>;
  /** (S) task index per segment (objectives). */
  segTask: Uint32Array<ArrayBuffer>;
  /** Objective task table (see evolve_objective.wgsl). */
  tasks: Float32Array<ArrayBuffer>;
  /** (P, KNOB_STRIDE) train-step knobs. */
  knobs: Float32Array<ArrayBuffer>;
}

/** The arrays that hold u32 (the others hold f32). */
export const EVOLVE_U32_ARRAYS: ReadonlySet<keyof EvolveArrays> = new Set([
  "flags",
  "overruns",
  "order",
  "parents",
  "blocks",
  "clock",
  "segTask",
]);

/** Element count of each evolution array for `d`; `tasksLength` sizes the objective table. */
export function evolveArraySizes(
  d: EvolveDims,
  tasksLength = 4,
): Record<keyof EvolveArrays, number> {
  return {
    params: d.P * d.stride,
    next: d.P * d.stride,
    fitness: d.P,
    flags: d.P,
    overruns: d.P,
    info: d.P * EVOLVE_ROW,
    order: d.P,
    parents: d.P * EVOLVE_ROW,
    sigma: d.P,
    sigmaNext: d.P,
    segState: d.S * EVOLVE_ROW,
    history: d.histCap * d.S * HIST,
    genome: d.S * GENOME_STRIDE,
    blocks: d.nBlocks * EVOLVE_ROW,
    clock: 4,
    metrics: d.P * METRIC_STRIDE,
    segTask: d.S,
    tasks: Math.max(4, tasksLength),
    knobs: d.P * KNOB_STRIDE,
  };
}

/** Allocates zeroed arrays for `d` (sigma = 1); `tasksLength` sizes the objective table. */
export function createEvolveArrays(d: EvolveDims, tasksLength = 4): EvolveArrays {
  const out: Record<string, Float32Array | Uint32Array> = {};
  for (const [name, n] of Object.entries(evolveArraySizes(d, tasksLength))) {
    out[name] = EVOLVE_U32_ARRAYS.has(name as keyof EvolveArrays)
      ? new Uint32Array(n)
      : new Float32Array(n);
  }
  const a = out as unknown as EvolveArrays;
  a.sigma.fill(1);
  a.sigmaNext.fill(1);
  return a;
}

const f32Bits = new Float32Array(1);
const u32Bits = new Uint32Array(f32Bits.buffer);

/** Bits of an f32 as u32 (WGSL bitcast<u32>). */
export function f32ToBits(x: number): number {
  f32Bits[0] = x;
  return u32Bits[0]!;
}

/** f32 from its bits (WGSL bitcast<f32>). */
export function bitsToF32(x: number): number {
  u32Bits[0] = x;
  return f32Bits[0]!;
}
