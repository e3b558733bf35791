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

/** The modifier's own knobs for one group. */
export interface ModifierGroup {
  /** Explore scale. */
  sigma: number;
  /** Exploit interval (iterations). */
  interval: number;
  /** Mean member fitness at the last level-2 step. */
  lastFitness: number;
}

/**
 * Level 2 of the strategy modifier (the modifier adapting itself): the group whose mean member
 * fitness rose least since the last level-2 step copies `sigma` and `interval` from the group that
 * rose most, then perturbs them (sigma log-normally in [0.02, 1.5], interval by about a quarter of
 * itself within `intervalRange`, default [1, 20]). Updates `groups` in place and returns the
 * changes made, in order (none when all groups rose alike).
 */
export function level2Step(
  groups: ModifierGroup[],
  fitness: readonly number[],
  groupOf: readonly number[],
  rng: Rng,
  intervalRange: readonly [number, number] = [1, 20],
): Omit<StrategyChange, "iteration">[] {
  const gain = groups.map((grp, g) => {
    const f = fitness.filter((_, i) => groupOf[i] === g);
    const now = f.reduce((a, b) => a + b, 0) / f.length;
    const d = Number.isFinite(grp.lastFitness) ? now - grp.lastFitness : 0;
    grp.lastFitness = now;
    return d;
  });
  const order = gain.map((_, g) => g).sort((a, b) => gain[a]! - gain[b]!);
  const worst = order[0]!;
  const best = order.at(-1)!;
  if (worst === best || gain[worst] === gain[best]) return [];
  const w = groups[worst]!;
  const b = groups[best]!;
  const next = {
    sigma: perturbLog(b.sigma, 0.3, rng, 0.02, 1.5),
    interval: perturbInt(
      b.interval,
      Math.max(0.5, b.interval / 8),
      rng,
      intervalRange[0],
      intervalRange[1],
    ),
  };
  const changes: Omit<StrategyChange, "iteration">[] = [
    { level: 2, target: worst, action: "exploit", field: "sigma+interval", from: best, to: worst },
  ];
  for (const f of ["sigma", "interval"] as const) {
    if (next[f] !== w[f]) {
      changes.push({
        level: 2,
        target: worst,
        action: "explore",
        field: f,
        from: w[f],
        to: next[f],
      });
    }
  }
  Object.assign(w, next);
  return changes;
}

/**
 * Level-1 explore of the strategy modifier on a member's knobs after an exploit: inner lr and meta
 * lr perturbed log-normally (scale `sigma`, in [1e-4, 10] and [1e-5, 1]), inner steps perturbed in
 * [1, maxSteps] in the direction the performance analyzer gives (overfitting: fewer, underfitting:
 * more); only the knobs in `fields` (default all three) change. Updates `knobs` in place and
 * returns the fields changed ("analyzer" for directed inner steps), in order.
 */
export function exploreKnobs(
  knobs: { innerLr: number; metaLr: number; innerSteps: number },
  sigma: number,
  rng: Rng,
  maxSteps: number,
  verdict: string,
  fields: readonly ("innerLr" | "metaLr" | "innerSteps")[] = ["innerLr", "metaLr", "innerSteps"],
): { action: "explore" | "analyzer"; field: string; from: number; to: number }[] {
  const dir = verdict === "overfitting" ? -1 : verdict === "underfitting" ? 1 : 0;
  const next = {
    innerLr: perturbLog(knobs.innerLr, sigma, rng, 1e-4, 10),
    metaLr: perturbLog(knobs.metaLr, sigma, rng, 1e-5, 1),
    innerSteps: perturbInt(knobs.innerSteps, sigma, rng, 1, maxSteps, dir),
  };
  const changes: { action: "explore" | "analyzer"; field: string; from: number; to: number }[] = [];
  for (const f of ["innerLr", "metaLr", "innerSteps"] as const) {
    if (!fields.includes(f)) next[f] = knobs[f];
    if (next[f] !== knobs[f]) {
      const action = f === "innerSteps" && dir !== 0 ? "analyzer" : "explore";
      changes.push({ action, field: f, from: knobs[f], to: next[f] });
    }
  }
  Object.assign(knobs, next);
  return changes;
}
