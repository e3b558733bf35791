/**
 * Job kinds for measuring and testing a cluster without the engine: `wait` (a fixed wait standing
 * in for GPU time; returns its input), `fail` (always throws) and `spin` (computes for a fixed
 * time without awaiting, standing in for a job on the cpu backend).
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
  spin: (payload) => {
    // Computes for `ms` without awaiting, as a job on the cpu backend does.
    const { ms } = payload as { ms: number };
    const t0 = Date.now();
    let n = 0;
    while (Date.now() - t0 < ms) n++;
    return Promise.resolve({ ms, n: n > 0 });
  },
};
