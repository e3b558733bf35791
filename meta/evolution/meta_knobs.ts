/**
 * Level 3: the meta level's own knobs (mutation rate, mutation strength, tournament size), kept
 * inside their ranges and evolved by the genome operators one level up.
 * @module
 */
import type { Rng } from "../../core/rng.ts";

/** The meta level's own knobs (level 3 adapts them). */
export interface MetaEvolutionKnobs {
  /** Probability that a gene mutates. */
  mutationRate: number;
  /** Mutation strength (log-space std for log genes). */
  mutationStrength: number;
  /** Tournament size of meta selection (selection pressure). */
  tournamentSize: number;
}

/** Ranges of the meta knobs (level 3 keeps them inside). */
export const META_KNOB_RANGES: Readonly<Record<keyof MetaEvolutionKnobs, [number, number]>> = {
  mutationRate: [0.02, 0.9],
  mutationStrength: [0.02, 2],
  tournamentSize: [1, 8],
};

const KNOB_NAMES = Object.keys(META_KNOB_RANGES) as (keyof MetaEvolutionKnobs)[];

function clampKnob(name: keyof MetaEvolutionKnobs, v: number): number {
  const [lo, hi] = META_KNOB_RANGES[name];
  const c = Math.min(hi, Math.max(lo, v));
  return name === "tournamentSize" ? Math.round(c) : c;
}

/**
 * Level 3 mutation, the genome operator one level up: each knob with probability `rate` is
 * multiplied by exp(strength * N(0,1)) (all knobs are log genes), then clamped (tournament rounded).
 */
export function mutateMetaKnobs(
  k: MetaEvolutionKnobs,
  rng: Rng,
  rate: number,
  strength: number,
): MetaEvolutionKnobs {
  const out = { ...k };
  for (const name of KNOB_NAMES) {
    if (rng.uniform() >= rate) continue;
    out[name] = clampKnob(name, k[name] * Math.exp(strength * rng.normal()));
  }
  return out;
}

/** Level 3 crossover: each knob from `a` or `b` with probability 1/2 (as `crossGenomes`). */
export function crossMetaKnobs(
  a: MetaEvolutionKnobs,
  b: MetaEvolutionKnobs,
  rng: Rng,
): MetaEvolutionKnobs {
  const out = { ...a };
  for (const name of KNOB_NAMES) out[name] = rng.uniform() < 0.5 ? a[name] : b[name];
  return out;
}
