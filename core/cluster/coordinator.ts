/**
 * The coordinator's side of a cluster run: publishes the jobs that have no result yet (message id
 * = `<run>.<job id>`, so JetStream drops a duplicate publish), then gathers one result per job
 * from the results bucket and returns them in job order, not arrival order. Results already in
 * the bucket (from a coordinator that was stopped) are reused, so a resumed run redoes nothing.
 * @module
 */
import type { Cluster } from "./cluster_connection.ts";
import {
  checkKeyPart,
  decodeEnvelope,
  encodeEnvelope,
  JOB_SCHEMA_VERSION,
  type JobResult,
  JOBS_SUBJECT,
  resultKey,
} from "./job_protocol.ts";
import { retry } from "./retry.ts";

/** A job to run: id unique in the run, handler kind, payload. */
export interface JobSpec {
  /** Job id (letters, digits, `-`, `_`). */
  id: string;
  /** Handler name. */
  kind: string;
  /** Handler input. */
  payload: unknown;
}

/** Counters of one `runJobs` call. */
export interface GatherStats {
  /** Jobs published by this call. */
  published: number;
  /** Jobs whose result was already in the bucket. */
  reused: number;
}

/** Publishes the jobs without a result; returns which indices still need one. */
async function publishMissing(
  c: Cluster,
  run: string,
  jobs: readonly JobSpec[],
  out: (JobResult | undefined)[],
): Promise<GatherStats> {
  const stats = { published: 0, reused: 0 };
  for (let i = 0; i < jobs.length; i++) {
    const { id, kind, payload } = jobs[i]!;
    checkKeyPart("job id", id);
    const have = await retry(() => c.results.get(resultKey(run, id)));
    if (have && have.operation === "PUT") {
      out[i] = decodeEnvelope<JobResult>(have.value);
      stats.reused++;
      continue;
    }
    const data = encodeEnvelope({ schema: JOB_SCHEMA_VERSION, run, id, kind, payload });
    await retry(() => c.js.publish(`${JOBS_SUBJECT}.${run}`, data, { msgID: resultKey(run, id) }));
    stats.published++;
  }
  return stats;
}

/**
 * Runs `jobs` on the cluster's workers under run key `run` and returns their results in job
 * order; `onResult` sees each new result as it arrives. A failed job (every delivery threw) comes
 * back with `ok: false`.
 */
export async function runJobs(
  c: Cluster,
  run: string,
  jobs: readonly JobSpec[],
  onResult?: (r: JobResult, index: number) => void,
): Promise<{ results: JobResult[]; stats: GatherStats }> {
  checkKeyPart("run key", run);
  const index = new Map(jobs.map((j, i) => [j.id, i]));
  if (index.size !== jobs.length) {
    throw new Error(`Cannot run jobs as job ids repeat in run ${run}`);
  }
  const out: (JobResult | undefined)[] = jobs.map(() => undefined);
  const watcher = await retry(() => c.results.watch({ key: `${run}.>` }));
  const stats = await publishMissing(c, run, jobs, out);
  let left = out.filter((r) => r === undefined).length;
  if (left > 0) {
    for await (const e of watcher) {
      if (e.operation !== "PUT") continue;
      const i = index.get(e.key.slice(run.length + 1));
      if (i === undefined || out[i] !== undefined) continue;
      out[i] = decodeEnvelope<JobResult>(e.value);
      onResult?.(out[i]!, i);
      if (--left === 0) break;
    }
  }
  watcher.stop();
  return { results: out as JobResult[], stats };
}

/**
 * Runs `jobs` like `runJobs` but yields each result as soon as it and every job before it are
 * done: results in job order, streamed.
 */
export async function* jobsInOrder(
  c: Cluster,
  run: string,
  jobs: readonly JobSpec[],
): AsyncGenerator<JobResult> {
  const got: (JobResult | undefined)[] = jobs.map(() => undefined);
  let wake = (): void => {};
  let ended: { error?: unknown } | undefined;
  runJobs(c, run, jobs, (r, i) => {
    got[i] = r;
    wake();
  }).then(({ results }) => {
    results.forEach((r, i) => (got[i] ??= r));
    ended = {};
    wake();
  }, (error) => {
    ended = { error: error ?? new Error("Cluster jobs failed") };
    wake();
  });
  for (let i = 0; i < jobs.length; i++) {
    while (got[i] === undefined) {
      if (ended?.error) throw ended.error;
      if (ended) throw new Error(`Cluster job ${jobs[i]!.id} of run ${run} has no result`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
    yield got[i]!;
  }
}
