/**
 * A process-wide pool of CPU helper threads of one kind (the ProtoNet gradient's,
 * protonet_threads.ts; the train step's, train_threads.ts): started on first use, `unref`ed so that
 * they never keep the process alive, each with shared control words (CTL: ready, done, failed) and
 * error bytes. A caller posts a job numbered `++h.seq`, computes its own share, then `wait`s for
 * every helper it used (synchronously, in `Atomics.wait`) before `check`ing them, so no helper still
 * writes shared memory when an error propagates. A helper that exits or throws outside a job is
 * marked dead and no helper of the pool is started again; the caller's share then grows.
 * @module
 */
import { parentPort, Worker, workerData } from "node:worker_threads";
import { InputError } from "../../core/input_error.ts";

/** The environment variable that sets the thread count of the CPU twins (an integer in [1, 16]). */
export const CPU_THREADS_ENV = "METAFORGE_CPU_THREADS";

/** The most threads METAFORGE_CPU_THREADS may ask for. */
const MAX_THREADS = 16;

let threadsFromEnv: number | undefined;

/**
 * Threads the CPU twins use: METAFORGE_CPU_THREADS when set (read once), else 2 on a machine with
 * 2 or more cores, else 1. Throws InputError when the variable is not an integer in [1, 16].
 */
export function cpuThreads(): number {
  if (threadsFromEnv === undefined) {
    const granted = Deno.permissions.querySync({ name: "env", variable: CPU_THREADS_ENV });
    const v = granted.state === "granted" ? Deno.env.get(CPU_THREADS_ENV) : undefined;
    const n = v === undefined || v.trim() === "" ? NaN : Number(v);
    if (v !== undefined && !(Number.isInteger(n) && n >= 1 && n <= MAX_THREADS)) {
      throw new InputError(
        `Invalid ${CPU_THREADS_ENV}: must be an integer in [1, ${MAX_THREADS}]: current value is ${
          JSON.stringify(v)
        }`,
        { field: CPU_THREADS_ENV },
      );
    }
    threadsFromEnv = v === undefined ? Math.min(navigator.hardwareConcurrency ?? 1, 2) : n;
  }
  return threadsFromEnv;
}

/** Indices of a helper's Int32 control words (shared): started, last job done, its outcome. */
export const CTL = { ready: 0, done: 1, failed: 2, length: 3 } as const;

/** Bytes of the shared buffer a helper writes its error message into. */
export const ERROR_BYTES = 1024;

/** Writes the message of `e` (UTF-8, cut to ERROR_BYTES - 4, its length first) into `bytes`. */
export function writeError(bytes: Uint8Array, e: unknown): void {
  const text = new TextEncoder().encode(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  const n = Math.min(text.length, ERROR_BYTES - 4);
  new DataView(bytes.buffer, bytes.byteOffset, 4).setUint32(0, n, true);
  bytes.set(text.subarray(0, n), 4);
}

/** The message `writeError` left in `bytes`. */
export function readError(bytes: Uint8Array): string {
  const n = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  return new TextDecoder().decode(bytes.slice(4, 4 + n));
}

/** How long a job may run before the caller concludes its helper died. */
const JOB_MS = 600_000;

/** One helper: its worker, control words, error bytes and last job number. */
export interface PoolHelper {
  worker: Worker;
  ctl: Int32Array<SharedArrayBuffer>;
  error: Uint8Array<SharedArrayBuffer>;
  seq: number;
  /** Set by the worker's "error" or "exit" event, a timeout or a failed job: not used again. */
  dead: boolean;
}

/** A pool of helpers running the worker module `url`; `name` names them in messages. */
export class HelperPool<H extends PoolHelper = PoolHelper> {
  readonly #url: URL;
  readonly #name: string;
  readonly #extend: (h: PoolHelper) => H;
  readonly #helpers: H[] = [];
  #died = false;

  /** `extend` adds a helper's own fields (e.g. its job buffers) when it is started. */
  constructor(url: URL, name: string, extend: (h: PoolHelper) => H) {
    this.#url = url;
    this.#name = name;
    this.#extend = extend;
  }

  /** Starts a helper without waiting for it (it takes jobs once it has set CTL.ready). */
  #start(): H {
    const ctl = new Int32Array(new SharedArrayBuffer(4 * CTL.length));
    const error = new Uint8Array(new SharedArrayBuffer(ERROR_BYTES));
    const worker = new Worker(this.#url, { workerData: { ctl, error } });
    worker.unref();
    const h = this.#extend({ worker, ctl, error, seq: 0, dead: false });
    const die = (why: string) => {
      if (h.dead) return;
      h.dead = true;
      this.#died = true;
      console.error(
        `metaforge: a ${this.#name} helper thread stopped (${why}): its work runs on the threads left`,
      );
    };
    worker.on("error", (e: unknown) => die(e instanceof Error ? e.message : String(e)));
    worker.on("exit", (code: number) => die(`exit code ${code}`));
    return h;
  }

  #ready(h: H): boolean {
    return !h.dead && Atomics.load(h.ctl, CTL.ready) === 1;
  }

  /** Up to `n` ready helpers, starting those missing (which take jobs once loaded). */
  get(n: number): H[] {
    while (this.#helpers.length < n && !this.#died) this.#helpers.push(this.#start());
    return this.#helpers.filter((h) => this.#ready(h)).slice(0, n);
  }

  /** Starts up to `n` helpers and resolves, within `timeoutMs`, to how many can take jobs. */
  async startUp(n: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const up = this.get(n).length;
      const waiting = this.#helpers.slice(0, n).some((h) => !h.dead && !this.#ready(h));
      if (!waiting || performance.now() > deadline) return up;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits until `h` has finished its job `seq` (or JOB_MS passed: then it is taken for dead). */
  wait(h: H, seq: number): void {
    const t0 = performance.now();
    for (;;) {
      const done = Atomics.load(h.ctl, CTL.done);
      if (done === seq) return;
      if (performance.now() - t0 > JOB_MS) {
        h.dead = true;
        throw new Error(`${this.#name} helper thread gave no result within ${JOB_MS / 1000} s`);
      }
      Atomics.wait(h.ctl, CTL.done, done, 1000);
    }
  }

  /** Throws the error of `h`'s finished job when it failed (the helper is not used again). */
  check(h: H): void {
    if (Atomics.load(h.ctl, CTL.failed) === 0) return;
    h.dead = true;
    throw new Error(`${this.#name} helper thread failed: ${readError(h.error)}`);
  }
}

/**
 * In a helper's module: runs every job the pool posts with `run`, then stores the job's number in
 * CTL.done and wakes the caller; an exception is reported through CTL.failed and the shared error
 * bytes, never left to kill the thread silently. Sets CTL.ready once listening.
 */
export function serveHelperJobs<J extends { seq: number }>(run: (job: J) => void): void {
  const { ctl, error } = workerData as { ctl: Int32Array; error: Uint8Array };
  parentPort!.on("message", (job: J) => {
    try {
      run(job);
      Atomics.store(ctl, CTL.failed, 0);
    } catch (e) {
      writeError(error, e);
      Atomics.store(ctl, CTL.failed, 1);
    }
    Atomics.store(ctl, CTL.done, job.seq);
    Atomics.notify(ctl, CTL.done);
  });
  Atomics.store(ctl, CTL.ready, 1);
  Atomics.notify(ctl, CTL.ready);
}
