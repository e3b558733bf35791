/**
 * Population-based training (Jaderberg et al., "Population Based Training of Neural Networks",
 * 2017), the exploit/explore rule shared by both levels of the strategy modifier: members in the
 * bottom `fraction` by fitness copy a uniformly drawn member of the top `fraction` (exploit), then
 * perturb the copied knobs (explore). Every change is logged as a `StrategyChange`.
 * @module
 */
import type { Rng } from "../../core/rng.ts";

/** One logged change made by the strategy modifier. */
export interface StrategyChange {
  /** Meta-iteration at which it happened. */
  iteration: number;
  /** 1: member knobs; 2: the modifier's own knobs (group sigma / exploit interval). */
  level: 1 | 2;
  /** Member (level 1) or group (level 2); -1 for the whole population. */
  target: number;
  /** What made it. */
  action: "exploit" | "explore" | "scheduler" | "analyzer" | "monitor";
  /** The field changed ("params+knobs" for an exploit). */
  field: string;
  /** Old value (source index for an exploit). */
  from: number;
  /** New value. */
  to: number;
}

/**
 * Exploit pairs: each of `candidates` in the bottom `fraction` of all members by fitness gets a
 * source drawn uniformly from the top `fraction` (at least one member each). NaN fitness ranks last.
 */
export function exploitPairs(
  fitness: readonly number[],
  fraction: number,
  rng: Rng,
  candidates: readonly number[] = fitness.map((_, i) => i),
): { target: number; source: number }[] {
  const M = fitness.length;
  const key = (i: number): number => (Number.isFinite(fitness[i]!) ? fitness[i]! : -Infinity);
  const order = fitness.map((_, i) => i).sort((a, b) => key(a) - key(b) || a - b);
  const n = Math.max(1, Math.floor(M * fraction));
  if (2 * n > M) return [];
  const bottom = new Set(order.slice(0, n));
  const top = order.slice(M - n);
  const out: { target: number; source: number }[] = [];
  for (const t of candidates) if (bottom.has(t)) out.push({ target: t, source: top[rng.int(n)]! });
  return out;
}

/** Multiplicative log-normal perturbation v * exp(scale * N(0,1)), clamped to [lo, hi]. */
export function perturbLog(v: number, scale: number, rng: Rng, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v * Math.exp(scale * rng.normal())));
}

/** Integer perturbation v + round(scale * 2 * N(0,1)) (or `direction` when given), clamped. */
export function perturbInt(
  v: number,
  scale: number,
  rng: Rng,
  lo: number,
  hi: number,
  direction = 0,
): number {
  const d = direction !== 0 ? direction : Math.round(scale * 2 * rng.normal());
  return Math.min(hi, Math.max(lo, v + d));
}
