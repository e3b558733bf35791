/**
 * The protocol between protonet_threads.ts and its helper threads (_protonet_worker.ts): the job
 * message and the views both sides take of its shared buffers (the control words and error bytes:
 * helper_pool.ts).
 * @module
 */
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { METRIC_STRIDE } from "../metrics_row.ts";
import { PROTONET_STATS, type ProtonetOut } from "./protonet_cpu.ts";
import type { ProtonetDistance } from "./protonet_distance.ts";

/** The shared buffers of a helper's jobs (grown by the caller; a message carries them as is). */
export interface JobBuffers {
  /** theta (paramCount) | x | y. */
  f32: SharedArrayBuffer;
  /** support | query | class lists. */
  u32: SharedArrayBuffer;
  /** The output rows: grads (models, stride), metrics, stats. */
  grads: SharedArrayBuffer;
  metrics: SharedArrayBuffer;
  stats: SharedArrayBuffer;
}

/**
 * A helper's share of a meta-batch: `models` episodes whose samples are gathered into x, y (each
 * episode's support samples then its query samples, so support row j of model p is sample
 * p(S + Q) + j), and the output rows it writes (models rows, as `protonetGradCpu` writes). The
 * arrays travel as SharedArrayBuffers, which Deno's postMessage passes by reference: a typed
 * array, even a view of a shared buffer, is cloned element by element (about 0.2 us each).
 */
export interface ProtonetJob {
  /** The job's number; the helper stores it in CTL.done when finished. */
  seq: number;
  layout: MlpLayout;
  dist: ProtonetDistance;
  models: number;
  /** Support and query samples per episode. */
  S: number;
  Q: number;
  ways: number;
  /** The label map width of the episodes (their data set's class count). */
  labelMapWidth: number;
  /** Whether the episodes have class lists (else their labels are used as stored). */
  lists: boolean;
  inputs: number;
  targetWidth: number;
  buffers: JobBuffers;
}

/** The arrays of a job, as views of its buffers. */
export interface JobViews {
  /** Theta's first paramCount entries. */
  theta: Float32Array<SharedArrayBuffer>;
  /** The gathered samples: (models (S + Q), inputs) and (models (S + Q), targetWidth). */
  x: Float32Array<SharedArrayBuffer>;
  y: Float32Array<SharedArrayBuffer>;
  /** Indices into x / y: (models, S) and (models, Q). */
  support: Uint32Array<SharedArrayBuffer>;
  query: Uint32Array<SharedArrayBuffer>;
  /** Class lists (models, ways), or null without. */
  classes: Uint32Array<SharedArrayBuffer> | null;
  out: ProtonetOut;
}

/** The sizes a job's buffers need, in elements: [f32, u32, grads, metrics, stats]. */
export function jobSizes(j: Omit<ProtonetJob, "seq" | "buffers" | "dist">): number[] {
  const n = j.models * (j.S + j.Q);
  return [
    j.layout.paramCount + n * (j.inputs + j.targetWidth),
    n + (j.lists ? j.models * j.ways : 0),
    j.models * j.layout.stride,
    j.models * METRIC_STRIDE,
    j.models * PROTONET_STATS,
  ];
}

/** The views of `job`'s buffers (both sides take the same). */
export function jobViews(job: ProtonetJob): JobViews {
  const { layout, models: m, S, Q, inputs, targetWidth, buffers: b } = job;
  const n = m * (S + Q);
  const P = layout.paramCount;
  const f32 = (from: number, count: number) => new Float32Array(b.f32, 4 * from, count);
  const u32 = (from: number, count: number) => new Uint32Array(b.u32, 4 * from, count);
  return {
    theta: f32(0, P),
    x: f32(P, n * inputs),
    y: f32(P + n * inputs, n * targetWidth),
    support: u32(0, m * S),
    query: u32(m * S, m * Q),
    classes: job.lists ? u32(n, m * job.ways) : null,
    out: {
      grads: new Float32Array(b.grads, 0, m * layout.stride),
      metrics: new Float32Array(b.metrics, 0, m * METRIC_STRIDE),
      stats: new Float32Array(b.stats, 0, m * PROTONET_STATS),
    },
  };
}
