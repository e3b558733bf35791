/**
 * Job kinds for measuring and testing a cluster without the engine: `wait` (a fixed wait standing
 * in for GPU time; returns its input) and `fail` (always throws).
 * @module
 */
import type { JobHandler } from "./worker_loop.ts";

/** The diagnostic handlers, by kind. */
export const DIAGNOSTIC_HANDLERS: Record<string, JobHandler> = {
  wait: async (payload) => {
    const { ms, value } = payload as { ms: number; value?: unknown };
    await new Promise((r) => setTimeout(r, ms));
    return { ms, value };
  },
  fail: (payload) => Promise.reject(new Error(`diagnostic failure ${JSON.stringify(payload)}`)),
};
