/**
 * The genome row: how one segment's `StrategyGenome` is packed for the evolution kernels,
 * GENOME_STRIDE f32 per segment, named once here and emitted into WGSL by `GENOME_LAYOUT.wgsl`.
 *
 * Row layout: 0 selection (0 tournament, 1 roulette, 2 rank, 3 truncation), 1 tournamentSize,
 * 2 rankPressure, 3 truncationRatio, 4 elites (count, from elitismRatio and M), 5 mutation
 * (0 gaussian, 1 adaptive, 2 self_adaptive, 3 reset, 4 low_rank), 6 mutationRate,
 * 7 mutationStrength, 8 resetFraction, 9 lowRank, 10 crossover (0 average, 1 uniform,
 * 2 layer_swap, 3 fitness_weighted), 11 crossoverRate, 12 nicheRadius, 13 diversityBonus,
 * 14 gradSteps, 15 lr, 16 lrSchedule (0 constant, 1 cosine, 2 step, 3 warmup), 17 clipNorm,
 * 18 gradTransform (0 none, 1 sign, 2 normalize), 19 labelSmoothing, 20 active (models,
 * min(populationSize, M); populationSize 64 means all M), 21 diversityThreshold,
 * 22 nicheCapacity, 23 rngStream (the segment's selection and breeding random stream: segments
 * with the same stream draw the same random numbers; default the segment index).
 * @module
 */
import { type RowLayout, rowLayout } from "../../core/wgsl_layout.ts";

/** f32 per genome row. */
export const GENOME_STRIDE = 24;
/** Index of each field in a genome row. */
export const GENOME = {
  selection: 0,
  tournamentSize: 1,
  rankPressure: 2,
  truncationRatio: 3,
  elites: 4,
  mutation: 5,
  mutationRate: 6,
  mutationStrength: 7,
  resetFraction: 8,
  lowRank: 9,
  crossover: 10,
  crossoverRate: 11,
  nicheRadius: 12,
  diversityBonus: 13,
  gradSteps: 14,
  lr: 15,
  lrSchedule: 16,
  clipNorm: 17,
  gradTransform: 18,
  labelSmoothing: 19,
  active: 20,
  diversityThreshold: 21,
  nicheCapacity: 22,
  rngStream: 23,
} as const;

/** The genome row layout; its WGSL part declares `GENOME_STRIDE`, `GENOME_SELECTION`, ... */
export const GENOME_LAYOUT: RowLayout = rowLayout("GENOME", GENOME, {
  stride: GENOME_STRIDE,
  source: "learners/evolution/genome_layout.ts",
});
