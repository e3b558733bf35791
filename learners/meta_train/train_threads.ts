/**
 * `trainStepThreaded`: `trainStepCpu` with the population's models split between the calling thread
 * and helper threads, for the CPU meta loop (cpu_meta_loop.ts), whose meta-batch's tasks step
 * independently. Each model's step reads and writes its own rows only, so every thread runs
 * `trainStepCpu` on the models it draws from a shared counter (the next model not yet taken: a thread
 * that starts late, as a helper does after the message reaches it, or runs slowly, takes fewer) and
 * the results are bit-identical to one thread for any thread count and any draw.
 *
 * The state and the data set are shared, not copied per call: the population's arrays are moved
 * into SharedArrayBuffers once (`shareState`; again after setBatches / setLabelMap replaced the
 * batch table or label map), the data set's inputs and targets once per data set; a job is a
 * message of those buffers and a model range, and the caller waits in `Atomics.wait` (synchronous,
 * like the one-thread twin). One pool per process (per isolate), started on first use, `unref`ed so
 * that it never keeps the process alive. Threads: `cpuThreads()` (METAFORGE_CPU_THREADS, else 2 with
 * 2 or more cores); calls under `TRAIN_THREAD_MIN_WORK` stay on one thread. Helper thread:
 * _train_worker.ts.
 * @module
 */
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { trainStepCpu } from "../mlp/mlp_cpu.ts";
import type { MlpData, MlpState } from "../mlp/mlp_state.ts";
import { cpuThreads, HelperPool, type PoolHelper } from "./helper_pool.ts";

/**
 * Smallest work of a call that is split, in sample x multiply-adds (models x batch x the MLP's
 * multiply-adds per sample). Set, not tuned per shape: a round trip to a helper cost up to about
 * 1 ms on the 2-core machine under load (protonet_threads.ts), and 2M of work about 6 ms on one
 * thread (the bench's glyph FOMAML iteration, 27M, took 78.5 CPU-ms); the bench's glyph steps
 * (2.7M and 13.6M at meta-batch 32) gain 1.7x in all (README), the `meta` experiment's default
 * settings (0.5M-1.4M per step, beside another method's worker) stay on one thread.
 */
export const TRAIN_THREAD_MIN_WORK = 2_000_000;

/** The array fields of MlpState that a helper reads or writes. */
export const SHARED_FIELDS = [
  "params",
  "opt",
  "steps",
  "metrics",
  "knobs",
  "batchIdx",
  "labelMap",
  "learned",
] as const;

/** A data set as a job carries it: its inputs and targets in shared buffers. */
export interface SharedData {
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  count: number;
  inputs: number;
  targetWidth: number;
}

/**
 * A job: the models' range and counter, and what changed since the helper's previous job (a field
 * left out is as before): the layout, the state's shared buffers, the data set's, the gradient rows'
 * (null: update mode) and the counter's. Posting buffers costs more than the step of a few models,
 * so a helper keeps them (_train_worker.ts) and each is sent again only when it is replaced.
 */
export interface TrainJob {
  seq: number;
  layout?: MlpLayout;
  state?: Partial<Record<(typeof SHARED_FIELDS)[number], SharedArrayBuffer>>;
  numBatches: number;
  labelMapWidth: number;
  data?: SharedData;
  grads?: SharedArrayBuffer | null;
  /** The models of the step: every thread draws the next one from the counter `next` (reset to 0). */
  from: number;
  to: number;
  next?: SharedArrayBuffer;
}

/** A helper with what it was last sent (train_threads.ts posts only what differs). */
interface TrainHelper extends PoolHelper {
  sent: {
    layout?: MlpLayout;
    state: Partial<Record<(typeof SHARED_FIELDS)[number], SharedArrayBuffer>>;
    data?: SharedArrayBuffer;
    grads?: SharedArrayBuffer | null;
    next?: SharedArrayBuffer;
  };
}

/** The process's train-step helpers, started on first use. */
const helpers = new HelperPool<TrainHelper>(
  new URL("./_train_worker.ts", import.meta.url),
  "train-step",
  (h) => ({ ...h, sent: { state: {} } }),
);

/**
 * The shared counter of the models of a split step: reset before each, replaced after a step that
 * failed (a helper taken for dead may still be drawing from it).
 */
let counter = new Int32Array(new SharedArrayBuffer(4));

let splitCalls = 0;

/** How many calls of `trainStepThreaded` this process split between threads (tests, bench). */
export function trainStepsSplit(): number {
  return splitCalls;
}

/** Starts up to `threads - 1` helpers and waits (at most `timeoutMs`) until they can take jobs. */
export function startTrainHelpers(
  options: { threads?: number; timeoutMs?: number } = {},
): Promise<number> {
  return helpers.startUp((options.threads ?? cpuThreads()) - 1, options.timeoutMs ?? 60_000);
}

/** A copy of `a` in a SharedArrayBuffer (or `a` when it is in one already). */
function shared<T extends Float32Array | Uint32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out =
    (a instanceof Float32Array
      ? new Float32Array(new SharedArrayBuffer(a.byteLength))
      : new Uint32Array(new SharedArrayBuffer(a.byteLength))) as T;
  out.set(a);
  return out;
}

/**
 * Moves the array fields of `s` into SharedArrayBuffers where they are not (the same values; the
 * state's arrays are replaced, so take them from `s` again afterwards).
 */
export function shareState(s: MlpState): void {
  const r = s as unknown as Record<string, Float32Array | Uint32Array>;
  for (const k of SHARED_FIELDS) r[k] = shared(r[k]!);
}

/** Whole-array views only: a helper rebuilds each field from its buffer. */
function isWhole(a: Float32Array | Uint32Array): boolean {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
}

const sharedData = new WeakMap<Float32Array, { x: Float32Array; y: Float32Array }>();

/** The data set's inputs and targets in SharedArrayBuffers (copied once per data set). */
function shareData(data: MlpData): { x: Float32Array; y: Float32Array } {
  let d = sharedData.get(data.x);
  if (!d) {
    d = { x: shared(data.x), y: shared(data.y) };
    sharedData.set(data.x, d);
  }
  return d;
}

/** Options of `trainStepThreaded`. */
export interface TrainThreadOptions {
  /** Threads, the caller's included (default `cpuThreads()`). */
  threads?: number;
  /** Smallest work that is split (default TRAIN_THREAD_MIN_WORK). */
  minWork?: number;
}

/**
 * Whether a train step of `layout`'s population is split: `threads` over 1, at least 2 models, and
 * its work (models x batch x multiply-adds per sample) at least `minWork`.
 */
export function splitsTrainStep(layout: MlpLayout, options: TrainThreadOptions = {}): boolean {
  let macs = 0;
  for (let l = 0; l + 1 < layout.widths.length; l++) {
    macs += layout.widths[l]! * layout.widths[l + 1]!;
  }
  const threads = Math.min(options.threads ?? cpuThreads(), layout.size);
  const work = layout.size * layout.batchSize * macs;
  return threads > 1 && work >= (options.minWork ?? TRAIN_THREAD_MIN_WORK);
}

/**
 * `trainStepCpu(layout, s, data, gradsOut)` (same results bit for bit) with the models split between
 * threads, each drawing the next model from one shared counter, the calling thread included. One
 * thread when `threads` is 1, the work is under `minWork`, there are fewer than 2 models, or no
 * helper is up yet. Moves `s` into shared buffers (`shareState`) when it splits.
 */
export function trainStepThreaded(
  layout: MlpLayout,
  s: MlpState,
  data: MlpData,
  gradsOut?: Float32Array,
  options: TrainThreadOptions = {},
): void {
  const P = layout.size;
  const threads = Math.min(options.threads ?? cpuThreads(), P);
  const hs = splitsTrainStep(layout, options) ? helpers.get(threads - 1) : [];
  if (hs.length === 0) {
    trainStepCpu(layout, s, data, gradsOut);
    return;
  }
  shareState(s);
  const r = s as unknown as Record<string, Float32Array | Uint32Array>;
  if (!SHARED_FIELDS.every((k) => isWhole(r[k]!))) {
    trainStepCpu(layout, s, data, gradsOut);
    return;
  }
  const d = shareData(data);
  const grads = gradsOut ? shared(gradsOut) : null;
  splitCalls++;
  const next = counter;
  Atomics.store(next, 0, 0);
  const seqs = hs.map((h) => {
    const job = jobFor(h, { layout, s: r, d, data, grads, next }, P);
    job.numBatches = s.numBatches;
    job.labelMapWidth = s.labelMapWidth;
    h.worker.postMessage(job);
    return job.seq;
  });
  try {
    trainStepCpu(layout, s, { ...data, x: d.x, y: d.y }, grads ?? undefined, {
      from: 0,
      to: P,
      next,
    });
  } finally {
    // Even when this thread's models threw: the shared state is not reused while a helper writes it.
    waitAll(hs, seqs);
  }
  hs.forEach((h) => helpers.check(h));
  if (gradsOut && grads !== gradsOut) gradsOut.set(grads!);
}

/** The job of helper `h`: the range, and the buffers it was not sent before (recorded as sent). */
function jobFor(
  h: TrainHelper,
  c: {
    layout: MlpLayout;
    s: Record<string, Float32Array | Uint32Array>;
    d: { x: Float32Array; y: Float32Array };
    data: MlpData;
    grads: Float32Array | null;
    next: Int32Array;
  },
  P: number,
): TrainJob {
  const job: TrainJob = { seq: ++h.seq, numBatches: 0, labelMapWidth: 0, from: 0, to: P };
  const sent = h.sent;
  if (sent.layout !== c.layout) job.layout = sent.layout = c.layout;
  for (const k of SHARED_FIELDS) {
    const b = c.s[k]!.buffer as SharedArrayBuffer;
    if (sent.state[k] !== b) (job.state ??= {})[k] = sent.state[k] = b;
  }
  const x = c.d.x.buffer as SharedArrayBuffer;
  if (sent.data !== x) {
    sent.data = x;
    const { count, inputs, targetWidth } = c.data;
    job.data = { x, y: c.d.y.buffer as SharedArrayBuffer, count, inputs, targetWidth };
  }
  const g = c.grads ? c.grads.buffer as SharedArrayBuffer : null;
  if (sent.grads !== g) job.grads = sent.grads = g;
  const n = c.next.buffer as SharedArrayBuffer;
  if (sent.next !== n) job.next = sent.next = n;
  return job;
}

/** Waits for every helper's job; one taken for dead leaves the counter to it (a new one is made). */
function waitAll(hs: TrainHelper[], seqs: number[]): void {
  try {
    hs.forEach((h, i) => helpers.wait(h, seqs[i]!));
  } catch (e) {
    counter = new Int32Array(new SharedArrayBuffer(4));
    throw e;
  }
}
