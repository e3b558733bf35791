/**
 * The registry of black-box strategies: name -> strategy. One looped smoke test runs every entry.
 * @module
 */
import { CMA_ES } from "./cma_es.ts";
import { OPENAI_ES } from "./openai_es.ts";
import { PGPE } from "./pgpe.ts";
import { SNES } from "./snes.ts";
import type { Strategy } from "./strategy.ts";

/** Every strategy by name. */
export const STRATEGIES = {
  "cma-es": CMA_ES,
  "openai-es": OPENAI_ES,
  snes: SNES,
  pgpe: PGPE,
} as const;

/** A registered strategy name. */
export type StrategyName = keyof typeof STRATEGIES;

/** The strategy registered as `name`, with its params type erased to a record. */
export function getStrategy(name: string): Strategy<Record<string, number>> {
  const s = (STRATEGIES as Record<string, unknown>)[name];
  if (!s) {
    throw new RangeError(
      `Cannot find strategy as name must be one of ${
        Object.keys(STRATEGIES).join(", ")
      }: current value is ${name}`,
    );
  }
  return s as unknown as Strategy<Record<string, number>>;
}
