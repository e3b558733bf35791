/**
 * Common random numbers across the models of a population: models that compare settings (methods,
 * learning rates) on the same task or replicate start from one init.
 * @module
 */
import type { Population } from "./backend.ts";

/**
 * Initializes `pop` from `seed` with model numbers from `first`, then sets every model p to the
 * init of model `source(p)` (read from a copy of the inits): models with the same source start
 * alike, whatever the other models of the population.
 */
export async function shareInits(
  pop: Population,
  o: { seed: number; first?: number; source: (p: number) => number },
): Promise<void> {
  const P = pop.layout.size;
  const stride = pop.layout.stride;
  pop.init(o.seed, o.first ?? 0);
  const params = await pop.readParams();
  const inits = params.slice();
  for (let p = 0; p < P; p++) {
    const s = o.source(p);
    params.set(inits.subarray(s * stride, (s + 1) * stride), p * stride);
  }
  pop.writeParams(params as Float32Array<ArrayBuffer>);
}
