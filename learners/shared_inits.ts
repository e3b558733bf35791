/**
 * Common random numbers across the models of a population: models that compare settings (methods,
 * learning rates) on the same task or replicate start from one init.
 * @module
 */
import type { Population } from "./backend.ts";

/**
 * Initializes `pop` from `seed` with model numbers from `first`, then makes every model p a copy of
 * model `source(p)` as the init left it (`copyModels`, on the device: no readback, no upload):
 * models with the same source start alike, whatever the other models of the population. The copy
 * takes the whole model, so set knobs and learned weights afterwards, on a population whose
 * metrics rows are alike (a fresh one: init zeroes the optimizer state and step counters).
 */
export function shareInits(
  pop: Population,
  o: { seed: number; first?: number; source: (p: number) => number },
): void {
  pop.init(o.seed, o.first ?? 0);
  const from: number[] = [];
  const to: number[] = [];
  for (let p = 0; p < pop.layout.size; p++) {
    const s = o.source(p);
    if (s !== p) (from.push(s), to.push(p));
  }
  if (to.length > 0) pop.copyModels(from, to);
}
