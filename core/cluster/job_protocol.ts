/**
 * The job protocol of a cluster run on NATS JetStream: the names of the work-queue stream, its
 * consumer and the results bucket, the job and result envelopes, and the job-schema version a
 * worker checks before it runs a job.
 * @module
 */
import { fromExactJson, toExactJson } from "../exact_json.ts";

/**
 * Version of the job and result envelopes; a worker refuses jobs of another version (2: the meta
 * and l2o job kinds, typed arrays in payloads and results).
 */
export const JOB_SCHEMA_VERSION = 2;
/** The work-queue stream holding pending jobs. */
export const JOBS_STREAM = "MF_JOBS";
/** Subject prefix of job messages (`mf.jobs.<run>`). */
export const JOBS_SUBJECT = "mf.jobs";
/** The durable pull consumer every worker shares. */
export const WORKERS_CONSUMER = "mf-workers";
/** The key-value bucket of results, keyed `<run>.<job id>`. */
export const RESULTS_BUCKET = "mf_results";

/** One unit of work: `kind` names the handler, `payload` carries everything it needs. */
export interface Job {
  /** Job-schema version (JOB_SCHEMA_VERSION of the coordinator). */
  schema: number;
  /** Run key (letters, digits, `-` and `_`). */
  run: string;
  /** Job id, unique within the run (letters, digits, `-` and `_`). */
  id: string;
  /** Handler name. */
  kind: string;
  /** Handler input (exact JSON: NaN and infinities survive). */
  payload: unknown;
}

/** The outcome of a job, written once to the results bucket. */
export interface JobResult {
  /** Job-schema version of the worker. */
  schema: number;
  /** Job id. */
  id: string;
  /** True when the handler returned a value. */
  ok: boolean;
  /** The handler's value (when ok). */
  value?: unknown;
  /** The last error message (when not ok: the job failed on every delivery). */
  error?: string;
  /** Deliveries the job took. */
  deliveries: number;
  /** Name of the worker that wrote the result. */
  worker: string;
}

const KEY_PART = /^[A-Za-z0-9_-]+$/;

/** Checks a run key or job id (used in subjects and bucket keys). */
export function checkKeyPart(what: string, v: string): string {
  if (!KEY_PART.test(v)) {
    throw new Error(
      `Invalid ${what}: only letters, digits, '-' and '_' are allowed: current value is ${
        JSON.stringify(v)
      }`,
    );
  }
  return v;
}

/** Bucket key of a job's result. */
export function resultKey(run: string, id: string): string {
  return `${run}.${id}`;
}

/** Encodes an envelope as exact JSON bytes. */
export function encodeEnvelope(v: Job | JobResult): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(toExactJson(v)));
}

/** Decodes an envelope written by `encodeEnvelope`. */
export function decodeEnvelope<T extends Job | JobResult>(bytes: Uint8Array): T {
  return fromExactJson(JSON.parse(new TextDecoder().decode(bytes))) as T;
}

/** The refusal a worker prints for a job of another schema version, or undefined when it fits. */
export function schemaRefusal(job: { schema?: unknown; id?: unknown }): string | undefined {
  if (job.schema === JOB_SCHEMA_VERSION) return undefined;
  return `Refusing job ${String(job.id)}: its job schema is version ${
    String(job.schema)
  } but this worker speaks version ${JOB_SCHEMA_VERSION}; run workers and coordinator from the same metaforge release`;
}

/** A job id from a hash of the job's content (32 hex digits), so the same job keeps its id. */
export async function contentId(payload: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(toExactJson(payload)));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}
