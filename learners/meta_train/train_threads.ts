/**
 * `trainStepThreaded` and `hvpStepThreaded`: `trainStepCpu` and second-order MAML's `hvpStepCpu`
 * with the models split between the calling thread and helper threads, for the CPU meta loop
 * (cpu_meta_loop.ts), whose meta-batch's tasks step independently. Each model's step reads and
 * writes its own rows only, so every thread runs the twin on the models it draws from a shared
 * counter (the next model not yet taken: a thread that starts late, as a helper does after the
 * message reaches it, or runs slowly, takes fewer) and the results are bit-identical to one thread
 * for any thread count and any draw.
 *
 * The arrays are shared, not copied per call: the population's state is moved into
 * SharedArrayBuffers once (`shareState`; again after setBatches / setLabelMap replaced the batch
 * table or label map), the data set's inputs and targets once per data set. A job names the twin and
 * the models' range, and carries only the buffers its helper does not hold yet (posting a dozen
 * buffers cost more than the step of a few models); the caller waits in `Atomics.wait` (synchronous,
 * like the one-thread twins). One pool per process (per isolate), started on first use, `unref`ed so
 * that it never keeps the process alive. Threads: `cpuThreads()` (METAFORGE_CPU_THREADS, else 2 with
 * 2 or more cores); calls under `TRAIN_THREAD_MIN_WORK` stay on one thread. Helper thread:
 * _train_worker.ts.
 * @module
 */
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { trainStepCpu } from "../mlp/mlp_cpu.ts";
import type { MlpData, MlpState, ModelRange } from "../mlp/mlp_state.ts";
import { hvpStepCpu, type HvpTables } from "./maml_cpu.ts";
import { type BufferName, SHARED_FIELDS, type TrainJob } from "./_train_job.ts";
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

/** A helper with what it was last sent (the caller posts only what differs). */
interface TrainHelper extends PoolHelper {
  sent: { layout?: MlpLayout; buffers: Map<BufferName, SharedArrayBuffer | null> };
}

/** The process's train-step helpers, started on first use. */
const helpers = new HelperPool<TrainHelper>(
  new URL("./_train_worker.ts", import.meta.url),
  "train-step",
  (h) => ({ ...h, sent: { buffers: new Map() } }),
);

/**
 * The shared counter of the models of a split step: reset before each, replaced after a step that
 * failed (a helper taken for dead may still be drawing from it).
 */
let counter = new Int32Array(new SharedArrayBuffer(4));

let splitCalls = 0;

/** How many calls of `trainStepThreaded` and `hvpStepThreaded` this process split (tests, bench). */
export function trainStepsSplit(): number {
  return splitCalls;
}

/** Starts up to `threads - 1` helpers and waits (at most `timeoutMs`) until they can take jobs. */
export function startTrainHelpers(
  options: { threads?: number; timeoutMs?: number } = {},
): Promise<number> {
  return helpers.startUp((options.threads ?? cpuThreads()) - 1, options.timeoutMs ?? 60_000);
}

/** A copy of `a` in a SharedArrayBuffer of its own (or `a` when it is one already, whole). */
function shared<T extends Float32Array | Uint32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer && isWhole(a)) return a;
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
 * n floats for rows of the population of `layout` (gradient rows, saved parameters), zero or a copy
 * of `from`: in a SharedArrayBuffer when its steps split (`splitsTrainStep`), so that no call copies.
 */
export function stepFloats(
  layout: MlpLayout,
  options: TrainThreadOptions,
  n: number,
  from?: Float32Array,
): Float32Array<ArrayBuffer> {
  const out = splitsTrainStep(layout, options)
    ? new Float32Array(new SharedArrayBuffer(4 * n)) as unknown as Float32Array<ArrayBuffer>
    : new Float32Array(n);
  if (from) out.set(from);
  return out;
}

/**
 * `trainStepCpu(layout, s, data, gradsOut, undefined, steps)` (same results bit for bit) with the
 * models split between threads, each drawing the next model (and taking its `steps` steps) from one
 * shared counter, the calling thread included. One
 * thread when `threads` is 1, the work is under `minWork`, there are fewer than 2 models, or no
 * helper is up yet. Moves `s` into shared buffers (`shareState`) when it splits.
 */
export function trainStepThreaded(
  layout: MlpLayout,
  s: MlpState,
  data: MlpData,
  gradsOut?: Float32Array,
  options: TrainThreadOptions = {},
  steps = 1,
): void {
  const P = layout.size;
  const threads = Math.min(options.threads ?? cpuThreads(), P);
  const hs = splitsTrainStep(layout, options) ? helpers.get(threads - 1) : [];
  if (hs.length === 0) {
    trainStepCpu(layout, s, data, gradsOut, undefined, steps);
    return;
  }
  shareState(s);
  const r = s as unknown as Record<string, Float32Array | Uint32Array>;
  const d = shareData(data);
  const grads = gradsOut ? shared(gradsOut) : null;
  const buffers: TrainJob["buffers"] = { x: buf(d.x), y: buf(d.y), grads: grads && buf(grads) };
  for (const k of SHARED_FIELDS) buffers[k] = buf(r[k]!);
  const job = {
    kind: "train" as const,
    layout,
    numBatches: s.numBatches,
    labelMapWidth: s.labelMapWidth,
    data: dataShape(data),
    from: 0,
    to: P,
    steps,
  };
  runSplit(hs, job, buffers, (models) => {
    trainStepCpu(layout, s, { ...data, x: d.x, y: d.y }, grads ?? undefined, models, steps);
  });
  if (gradsOut && grads !== gradsOut) gradsOut.set(grads!);
}

/**
 * `hvpStepCpu(L, data, t, o)` (same results bit for bit) with the models split between threads as
 * in `trainStepThreaded`, when `splitsTrainStep(L, options)` (an H v step costs about two train
 * steps of the support batch). Copies theta, the batch table and the label map into shared buffers
 * where they are not, and v too (the result copied back).
 */
export function hvpStepThreaded(
  L: MlpLayout,
  data: MlpData,
  t: { theta: Float32Array; v: Float32Array; batches: Uint32Array; labelMap: Uint32Array },
  o: HvpTables,
  options: TrainThreadOptions = {},
): void {
  const threads = Math.min(options.threads ?? cpuThreads(), o.models);
  const hs = splitsTrainStep(L, options) ? helpers.get(threads - 1) : [];
  if (hs.length === 0) {
    hvpStepCpu(L, data, t, o);
    return;
  }
  const d = shareData(data);
  const u = { theta: shared(t.theta), v: shared(t.v), batches: shared(t.batches) };
  const labelMap = shared(t.labelMap);
  const buffers: TrainJob["buffers"] = { x: buf(d.x), y: buf(d.y), hvpLabelMap: buf(labelMap) };
  for (const k of ["theta", "v", "batches"] as const) buffers[k] = buf(u[k]);
  const job = {
    kind: "hvp" as const,
    layout: L,
    numBatches: 0,
    labelMapWidth: 0,
    data: dataShape(data),
    tables: o,
    from: 0,
    to: o.models,
  };
  runSplit(hs, job, buffers, (models) => {
    hvpStepCpu(L, { ...data, x: d.x, y: d.y }, { ...u, labelMap }, o, models);
  });
  if (u.v !== t.v) t.v.set(u.v);
}

/** The shape of a data set, which a job carries (its arrays go as shared buffers). */
function dataShape(d: MlpData): TrainJob["data"] {
  return { count: d.count, inputs: d.inputs, targetWidth: d.targetWidth };
}

/** The SharedArrayBuffer of a whole view (`shared` makes them so). */
function buf(a: Float32Array | Uint32Array): SharedArrayBuffer {
  if (!isWhole(a)) throw new RangeError("train_threads: a job's arrays must be whole buffers");
  return a.buffer as SharedArrayBuffer;
}

/**
 * Posts `job` (with the buffers each helper does not hold yet) to every helper of `hs`, runs `own`
 * on the models this thread draws, waits for the helpers and throws the first helper's error.
 */
function runSplit(
  hs: TrainHelper[],
  job: Omit<TrainJob, "seq" | "buffers">,
  buffers: NonNullable<TrainJob["buffers"]>,
  own: (models: ModelRange) => void,
): void {
  splitCalls++;
  const next = counter;
  Atomics.store(next, 0, 0);
  const all = { ...buffers, next: next.buffer as SharedArrayBuffer };
  const seqs = hs.map((h) => {
    const j: TrainJob = { ...job, seq: ++h.seq };
    if (h.sent.layout === job.layout) delete j.layout;
    h.sent.layout = job.layout;
    for (const [k, b] of Object.entries(all) as [BufferName, SharedArrayBuffer | null][]) {
      if (h.sent.buffers.get(k) === b) continue;
      h.sent.buffers.set(k, b);
      (j.buffers ??= {})[k] = b;
    }
    h.worker.postMessage(j);
    return j.seq;
  });
  try {
    own({ from: job.from, to: job.to, next });
  } finally {
    // Even when this thread's models threw: the shared state is not reused while a helper writes it.
    waitAll(hs, seqs);
  }
  hs.forEach((h) => helpers.check(h));
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
