/**
 * `protonetGradThreaded`: `protonetGradCpu` with a meta-batch's episodes split between the calling
 * thread and helper threads, for the CPU twin that meta-trains ProtoNets on a software adapter
 * (lavapipe's own threads are idle while it runs). The episodes are independent (each writes its
 * own gradient row, metrics row and statistics) and every share runs `protonetGradCpu` itself, so
 * the results are bit-identical to one thread for any thread count.
 *
 * The helpers form one pool per process (per isolate), started on first use (the twin runs on one
 * thread until they have loaded), reused by every call and `unref`ed so that they never keep the
 * process alive (nothing to destroy). A job goes to a helper by `postMessage` of SharedArrayBuffers
 * that hold theta and its episodes' samples, gathered (a few hundred KB at most, no copy of the data
 * set); the helper writes its rows into shared arrays and wakes the caller, which computes its own
 * share meanwhile and then waits in `Atomics.wait` (synchronous, like the one-thread twin). Threads: `cpuThreads()` (the environment variable METAFORGE_CPU_THREADS, else
 * 2 with 2 or more cores, else 1); calls whose work is under `PROTONET_THREAD_MIN_WORK` stay on one
 * thread, where a round trip would cost more than it saves.
 * @module
 */
import { METRIC_STRIDE } from "../metrics_row.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { episodeClasses } from "../tasks/episode_classes.ts";
import { type JobBuffers, jobSizes, jobViews, type ProtonetJob } from "./_protonet_job.ts";
import { cpuThreads, HelperPool, type PoolHelper } from "./helper_pool.ts";
import {
  embedLayer,
  PROTONET_STATS,
  protonetGradCpu,
  type ProtonetOut,
  type ProtonetSource,
} from "./protonet_cpu.ts";
import { EUCLIDEAN, type ProtonetDistance } from "./protonet_distance.ts";

/**
 * Smallest work of a call that is split, in sample x multiply-adds: episodes x samples per episode
 * x the MLP's multiply-adds per sample up to the embedding layer. Measured with
 * bench/protonet_twin.ts on this 2-core machine at load 5-6 (wall, 2 threads against 1): 16
 * episodes of 20-way 10+6 on 16-64-64-16-5 (31.5M) x1.13-1.18; 20-way 1+1 glyph episodes on
 * 196-64-64-5 (10.6M) x0.80-0.84; 5-way 1+1 glyph (2.7M) x0.92-1.05; 5-way 1+1 synthetic (1.0M)
 * and 4 glyph episodes (0.7M) x0.5-0.7 (a round trip costs about 1 ms of wall under that load).
 * So only the wide meta-batches are split.
 */
export const PROTONET_THREAD_MIN_WORK = 16_000_000;

/** A helper of the pool with its job buffers (grown on demand). */
interface Helper extends PoolHelper {
  buffers: JobBuffers;
}

/** The process's ProtoNet helpers, started on first use. */
const helpers = new HelperPool<Helper>(
  new URL("./_protonet_worker.ts", import.meta.url),
  "ProtoNet",
  (h) => {
    const none = new SharedArrayBuffer(0);
    return { ...h, buffers: { f32: none, u32: none, grads: none, metrics: none, stats: none } };
  },
);

/**
 * Starts up to `threads - 1` helpers (default `cpuThreads()`) and resolves, within `timeoutMs`
 * (default 60 s), to how many of them can take jobs. The twin starts them itself on first use and
 * runs on one thread until they are up; this is for callers that want them up first (tests, bench).
 */
export function startCpuHelpers(
  options: { threads?: number; timeoutMs?: number } = {},
): Promise<number> {
  return helpers.startUp((options.threads ?? cpuThreads()) - 1, options.timeoutMs ?? 60_000);
}

/** The work of a call (see PROTONET_THREAD_MIN_WORK). */
export function protonetWork(layout: MlpLayout, src: ProtonetSource, models: number): number {
  let macs = 0;
  for (let l = 0; l <= embedLayer(layout); l++) macs += layout.widths[l]! * layout.widths[l + 1]!;
  return models * (src.episodes.supportSize + src.episodes.querySize) * macs;
}

/** Options of `protonetGradThreaded`. */
export interface ProtonetThreadOptions {
  /** The distance (default EUCLIDEAN). */
  dist?: ProtonetDistance;
  /** Threads, the caller's included (default `cpuThreads()`). */
  threads?: number;
  /** Smallest work that is split (default PROTONET_THREAD_MIN_WORK). */
  minWork?: number;
}

/** The names of JobBuffers in the order of `jobSizes`. */
const BUFFERS = ["f32", "u32", "grads", "metrics", "stats"] as const;

/**
 * Models a..a+models-1 of `src` as a job written into `h`'s buffers (grown to fit): theta, their
 * episodes' samples gathered (support then query per episode), their class lists.
 */
function job(
  h: Helper,
  layout: MlpLayout,
  theta: Float32Array,
  src: ProtonetSource,
  range: { a: number; models: number; dist: ProtonetDistance },
): ProtonetJob {
  const { a, models, dist } = range;
  const { episodes, data } = src;
  const { supportSize: S, querySize: Q, ways, labelMapWidth } = episodes;
  const { inputs, targetWidth } = data;
  const lists = episodeClasses(episodes);
  const shape = { layout, models, S, Q, ways, labelMapWidth, lists: lists !== null };
  const j = { seq: ++h.seq, ...shape, dist, inputs, targetWidth, buffers: h.buffers };
  jobSizes(j).forEach((size, i) => {
    const k = BUFFERS[i]!;
    if (h.buffers[k].byteLength < 4 * size) h.buffers[k] = new SharedArrayBuffer(4 * size);
  });
  const v = jobViews(j);
  v.theta.set(theta.subarray(0, layout.paramCount));
  const n = S + Q;
  for (let p = 0; p < models; p++) {
    const e = src.ids[src.idsOffset + a + p]!;
    for (let i = 0; i < n; i++) {
      const s = i < S ? episodes.support[e * S + i]! : episodes.query[e * Q + i - S]!;
      const r = p * n + i;
      v.x.set(data.x.subarray(s * inputs, (s + 1) * inputs), r * inputs);
      v.y.set(data.y.subarray(s * targetWidth, (s + 1) * targetWidth), r * targetWidth);
      if (i < S) v.support[p * S + i] = r;
      else v.query[p * Q + i - S] = r;
    }
    v.classes?.set(lists!.subarray(e * ways, (e + 1) * ways), p * ways);
  }
  return j;
}

/** Copies the rows of `h`'s finished job `j` into models a.. of `out` (paramCount per row). */
function collect(h: Helper, j: ProtonetJob, out: ProtonetOut, a: number): void {
  helpers.check(h);
  const { layout, models } = j;
  const got = jobViews(j).out;
  const S = layout.stride;
  for (let p = 0; p < models; p++) {
    out.grads.set(got.grads.subarray(p * S, p * S + layout.paramCount), (a + p) * S);
  }
  out.metrics.set(got.metrics, a * METRIC_STRIDE);
  out.stats.set(got.stats, a * PROTONET_STATS);
}

/**
 * `protonetGradCpu` (same arguments, same results bit for bit) with the models split into
 * contiguous shares: helpers take the first shares, the calling thread the last. One thread when
 * `threads` is 1, the work is under `minWork`, or there are fewer than 2 models.
 */
export function protonetGradThreaded(
  layout: MlpLayout,
  theta: Float32Array,
  src: ProtonetSource,
  models: number,
  out: ProtonetOut,
  options: ProtonetThreadOptions = {},
): void {
  const dist = options.dist ?? EUCLIDEAN;
  const threads = Math.min(options.threads ?? cpuThreads(), models);
  const minWork = options.minWork ?? PROTONET_THREAD_MIN_WORK;
  const hs = threads > 1 && protonetWork(layout, src, models) >= minWork
    ? helpers.get(threads - 1)
    : [];
  if (hs.length === 0) {
    protonetGradCpu(layout, theta, src, models, out, dist);
    return;
  }
  const T = hs.length + 1;
  const jobs = hs.map((h, i) => {
    const a = Math.floor((models * i) / T);
    const r = { a, models: Math.floor((models * (i + 1)) / T) - a, dist };
    const j = job(h, layout, theta, src, r);
    h.worker.postMessage(j);
    return { j, a };
  });
  const a = Math.floor((models * hs.length) / T);
  const rest = { ...src, idsOffset: src.idsOffset + a };
  try {
    protonetGradCpu(layout, theta, rest, models - a, {
      grads: out.grads.subarray(a * layout.stride),
      metrics: out.metrics.subarray(a * METRIC_STRIDE),
      stats: out.stats.subarray(a * PROTONET_STATS),
    }, dist);
  } finally {
    // Even when this thread's share threw: a helper's buffers are not reused while it reads them.
    hs.forEach((h, i) => helpers.wait(h, jobs[i]!.j.seq));
  }
  hs.forEach((h, i) => collect(h, jobs[i]!.j, out, jobs[i]!.a));
}
