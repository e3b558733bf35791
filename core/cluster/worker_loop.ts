/**
 * A worker's loop: pulls one job at a time from the shared consumer (so no job waits in a buffer
 * behind a slow one), heartbeats it while it runs, writes its result once to the results bucket
 * and acks it. A throwing job is nak'd (redelivered) until its last delivery, whose failure is
 * written as the result. Stopping naks the job in hand so another worker takes it.
 * @module
 */
import type { JsMsg } from "@nats-io/jetstream";
import type { Cluster } from "./cluster_connection.ts";
import {
  decodeEnvelope,
  encodeEnvelope,
  type Job,
  JOB_SCHEMA_VERSION,
  type JobResult,
  resultKey,
  schemaRefusal,
} from "./job_protocol.ts";
import { retry } from "./retry.ts";

/** Runs one job's payload and returns its (JSON-encodable) value. */
export type JobHandler = (payload: unknown, job: Job) => Promise<unknown>;

/** How a worker runs. */
export interface WorkerOptions {
  /** Worker name written into results. */
  name: string;
  /** Handlers by job kind. */
  handlers: Record<string, JobHandler>;
  /** Stops the loop; the job in hand is nak'd. */
  signal?: AbortSignal;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** What a worker did before it stopped. */
export interface WorkerOutcome {
  /** Jobs whose result this worker wrote. */
  done: number;
  /** The refusal message when it met a job of another schema version. */
  refused?: string;
}

/** Writes a result unless one exists (results are written once per job id). */
async function writeOnce(c: Cluster, job: Job, r: JobResult): Promise<boolean> {
  const key = resultKey(job.run, job.id);
  return await retry(async () => {
    try {
      await c.results.create(key, encodeEnvelope(r));
      return true;
    } catch (e) {
      if (await c.results.get(key)) return false;
      throw e;
    }
  });
}

/** Resolves when `signal` aborts. */
function aborted(signal?: AbortSignal): Promise<"stop"> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve("stop");
    signal?.addEventListener("abort", () => resolve("stop"), { once: true });
  });
}

/** Runs the job of message `m`: "done" (result written), "retry" (nak'd) or "stopped" (nak'd). */
async function runOne(
  c: Cluster,
  m: JsMsg,
  job: Job,
  o: WorkerOptions,
): Promise<"done" | "retry" | "stopped"> {
  const base = { schema: JOB_SCHEMA_VERSION, id: job.id, worker: o.name };
  const deliveries = m.info.deliveryCount;
  const beat = setInterval(() => m.working(), Math.max(100, c.ackWaitMs / 3));
  let result: JobResult;
  try {
    const handler = o.handlers[job.kind];
    if (!handler) throw new Error(`unknown job kind ${JSON.stringify(job.kind)}`);
    const out = await Promise.race([handler(job.payload, job), aborted(o.signal)]);
    if (out === "stop" && o.signal?.aborted) {
      m.nak();
      return "stopped";
    }
    result = { ...base, ok: true, value: out, deliveries };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    o.log?.(`job ${job.id} failed on delivery ${deliveries}/${c.maxDeliver}: ${error}`);
    if (deliveries < c.maxDeliver) {
      m.nak();
      return "retry";
    }
    result = { ...base, ok: false, error, deliveries };
  } finally {
    clearInterval(beat);
  }
  await writeOnce(c, job, result);
  m.ack();
  return "done";
}

/** Pulls and runs jobs until `o.signal` aborts or a job of another schema version arrives. */
export async function runWorker(c: Cluster, o: WorkerOptions): Promise<WorkerOutcome> {
  let done = 0;
  while (!o.signal?.aborted) {
    const m = await c.consumer.next({ expires: 1000 }).catch(async (e) => {
      o.log?.(`waiting for the server (${e instanceof Error ? e.message : e})`);
      await new Promise((r) => setTimeout(r, 250));
      return null;
    });
    if (!m) continue;
    const job = decodeEnvelope<Job>(m.data);
    const refused = schemaRefusal(job);
    if (refused) {
      m.nak(1000);
      o.log?.(refused);
      return { done, refused };
    }
    if (await retry(() => c.results.get(resultKey(job.run, job.id)))) {
      m.ack(); // a redelivery of a job whose result is already written
      continue;
    }
    o.log?.(`job ${job.id} (${job.kind}) delivery ${m.info.deliveryCount}`);
    const how = await runOne(c, m, job, o);
    if (how === "stopped") break;
    if (how === "done") done++;
  }
  return { done };
}
