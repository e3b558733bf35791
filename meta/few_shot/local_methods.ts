/**
 * The `meta` experiment's methods in parallel worker threads of this process: each worker creates
 * its own backend of the run's choice and runs method jobs (method_jobs.ts: a fresh seed x setting
 * per job, as a cluster worker does), and the values come back in job order, so the run equals the
 * single-process run on the same backend. Used where the backend runs on the host's cores
 * (`Backend.runsOnHost`: the CPU backend, lavapipe), whose independent methods then share the cores
 * instead of waiting for one another. Worker: _method_worker.ts.
 * @module
 */
import { Worker } from "node:worker_threads";
import type { BackendChoice } from "../../learners/create_backend.ts";
import type { MethodJob, MethodJobValue, MethodRunner } from "./method_jobs.ts";

/** Most workers "auto" starts (each holds its own copy of the settings' data). */
export const MAX_AUTO_WORKERS = 8;

/**
 * How `meta` runs its `jobs` method jobs: how many at once and on which backend. Host-bound means
 * the run's backend runs on the host (`runsOnHost`: the CPU backend, a software adapter) and was not
 * asked for as "gpu": then the workers run the CPU backend (two lavapipe devices in one process ran
 * each glyph method 2.2-2.6x slower than one alone), and "auto" starts one per CPU core (at most
 * MAX_AUTO_WORKERS); elsewhere "auto" is 1 (a hardware GPU, or an explicit "gpu", keeps its device,
 * one method at a time). A number is taken as given; never more workers than jobs.
 */
export function methodWorkerPlan(
  workers: "auto" | number,
  choice: BackendChoice,
  runsOnHost: boolean,
  jobs: number,
  cores = navigator.hardwareConcurrency ?? 1,
): { workers: number; backend: BackendChoice } {
  const hostBound = runsOnHost && choice !== "gpu";
  const n = workers !== "auto" ? workers : hostBound ? Math.min(cores, MAX_AUTO_WORKERS) : 1;
  return { workers: Math.max(1, Math.min(n, jobs)), backend: hostBound ? "cpu" : choice };
}

/** A message to a worker: run this job. */
export interface MethodWorkerJob {
  /** Index of the job in the runner's list. */
  id: number;
  /** The job. */
  job: MethodJob;
}

/** A message from a worker: a log line, or a job's value or error. */
export type MethodWorkerReply =
  | { log: string }
  | { id: number; ok: true; value: MethodJobValue }
  | { id: number; ok: false; error: string };

/** A promise with its settle functions, whose rejection is never reported as unhandled. */
function settleable<T>(): PromiseWithResolvers<T> {
  const d = Promise.withResolvers<T>();
  d.promise.catch(() => {});
  return d;
}

/**
 * A method runner on `workers` worker threads, each with a backend of choice `backend`; the jobs
 * are handed out to whichever worker is free, those `first` picks (the long ones, so that no
 * worker is left with one at the end while the others idle) before the rest, each group in order,
 * and yielded in job order. Log lines of the workers go to `log` once each (every worker describes
 * its backend alike). A job that throws stops the run with its error.
 */
export function localMethodRunner(o: {
  workers: number;
  backend: BackendChoice;
  log?: (line: string) => void;
  first?: (job: MethodJob) => boolean;
}): MethodRunner {
  return async function* (jobs) {
    const done = jobs.map(() => settleable<MethodJobValue>());
    const seen = new Set<string>();
    const threads: Worker[] = [];
    const ids = jobs.map((_, i) => i);
    const order = [
      ...ids.filter((i) => o.first?.(jobs[i]!)),
      ...ids.filter((i) => !o.first?.(jobs[i]!)),
    ];
    let next = 0;
    const failAll = (why: string) => {
      for (const d of done) d.reject(new Error(why));
    };
    const give = (w: Worker) => {
      if (next >= order.length) return;
      const id = order[next++]!;
      const msg: MethodWorkerJob = { id, job: jobs[id]! };
      w.postMessage(msg);
    };
    const n = Math.min(o.workers, jobs.length);
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL("./_method_worker.ts", import.meta.url), {
        workerData: { backend: o.backend },
      });
      w.on("message", (m: MethodWorkerReply) => {
        if ("log" in m) {
          if (!seen.has(m.log)) o.log?.(m.log);
          seen.add(m.log);
          return;
        }
        const { setting, seed, method } = jobs[m.id]!;
        if (m.ok) done[m.id]!.resolve(m.value);
        else {
          done[m.id]!.reject(
            new Error(
              `Method ${method} on ${setting} seed ${seed} failed in its worker: ${m.error}`,
            ),
          );
        }
        give(w);
      });
      w.on("error", (e: unknown) => {
        failAll(`A method worker stopped: ${e instanceof Error ? e.message : String(e)}`);
      });
      w.on("exit", (code: number) => failAll(`A method worker exited with code ${code}`));
      threads.push(w);
      give(w);
    }
    try {
      for (const d of done) yield await d.promise;
    } finally {
      for (const w of threads) {
        w.removeAllListeners("exit");
        w.removeAllListeners("error");
        await w.terminate();
      }
    }
  };
}
