/**
 * Jobs run in a worker thread, so that the worker's event loop stays free for the heartbeats of
 * the job in hand: a job on a backend that computes without awaiting (the cpu backend) would
 * otherwise send none, and be redelivered to a second worker after the ack wait while the first
 * still runs it. `JobThread` is the worker's side (handlers that forward each job to the thread);
 * `serveJobThread` is the thread's side (it builds its handlers, on its own backend, from an init
 * message). A thread that dies fails the job it held and is started again for the next one.
 * @module
 */
import type { Job } from "./job_protocol.ts";
import type { JobHandler } from "./worker_loop.ts";

/** A job's outcome sent back by the thread. */
type Reply = { call: number; ok: true; value: unknown } | {
  call: number;
  ok: false;
  error: string;
};

/** A message from the thread. */
type FromThread = { ready: string } | { setupError: string } | { log: string } | Reply;

/** A message to the thread. */
type ToThread = { init: unknown } | { call: number; job: Job };

/** The thread's setup failed (its message says why, e.g. no GPU adapter). */
export class ThreadSetupError extends Error {}

/** The worker's side: one thread, started on first use and again after it dies. */
export class JobThread {
  #url: URL;
  #init: unknown;
  #log: (line: string) => void;
  #thread?: { w: Worker; ready: Promise<string> };
  #pending = new Map<number, (r: Reply) => void>();
  #next = 0;

  /** A thread running module `url` (which calls `serveJobThread`), initialized with `init`. */
  constructor(url: URL, init: unknown, log: (line: string) => void = () => {}) {
    this.#url = url;
    this.#init = init;
    this.#log = log;
  }

  /** Starts the thread if needed; resolves with what its setup reported (e.g. the backend). */
  ready(): Promise<string> {
    return this.#start().ready;
  }

  #start(): { w: Worker; ready: Promise<string> } {
    if (this.#thread) return this.#thread;
    const w = new Worker(this.#url, { type: "module" });
    let ready!: (s: string) => void;
    let failed!: (e: Error) => void;
    const t = { w, ready: new Promise<string>((res, rej) => ((ready = res), (failed = rej))) };
    w.onmessage = (e: MessageEvent<FromThread>) => {
      const m = e.data;
      if ("ready" in m) ready(m.ready);
      else if ("setupError" in m) failed(new ThreadSetupError(m.setupError));
      else if ("log" in m) this.#log(m.log);
      else this.#pending.get(m.call)?.(m);
    };
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      const error = `the job thread died: ${e.message}`;
      failed(new Error(error));
      for (const [call, done] of this.#pending) done({ call, ok: false, error });
      this.#pending.clear();
      w.terminate();
      if (this.#thread === t) this.#thread = undefined;
    };
    w.postMessage({ init: this.#init } satisfies ToThread);
    this.#thread = t;
    return t;
  }

  /** A handler that runs its jobs in the thread (by their kind). */
  handler(): JobHandler {
    return async (_payload, job) => {
      const t = this.#start();
      await t.ready;
      const call = this.#next++;
      const r = await new Promise<Reply>((resolve) => {
        this.#pending.set(call, resolve);
        t.w.postMessage({ call, job } satisfies ToThread);
      });
      this.#pending.delete(call);
      if (!r.ok) throw new Error(r.error);
      return r.value;
    };
  }

  /** Stops the thread (a job in it is abandoned). */
  terminate(): void {
    this.#thread?.w.terminate();
    this.#thread = undefined;
  }
}

/** What a thread's setup returns: its handlers by kind and a line saying what it runs on. */
export interface ThreadSetup {
  /** Handlers by job kind. */
  handlers: Record<string, JobHandler>;
  /** Reported to the worker once the thread is ready. */
  ready: string;
}

/** The thread's side: builds its handlers with `setup` from the init message, then serves jobs. */
export function serveJobThread(
  setup: (init: unknown, log: (line: string) => void) => Promise<ThreadSetup>,
): void {
  const scope = self as unknown as {
    onmessage: ((e: MessageEvent<ToThread>) => void) | null;
    postMessage(m: FromThread): void;
  };
  const log = (line: string) => scope.postMessage({ log: line });
  let handlers: Promise<Record<string, JobHandler>> | undefined;
  scope.onmessage = async (e) => {
    const m = e.data;
    if ("init" in m) {
      handlers = setup(m.init, log).then((s) => {
        scope.postMessage({ ready: s.ready });
        return s.handlers;
      }, (e) => {
        const error = e instanceof Error ? e.message : String(e);
        scope.postMessage({ setupError: error });
        throw new Error(error);
      });
      return;
    }
    try {
      const handler = (await handlers!)[m.job.kind];
      if (!handler) throw new Error(`unknown job kind ${JSON.stringify(m.job.kind)}`);
      const value = await handler(m.job.payload, m.job);
      scope.postMessage({ call: m.call, ok: true, value });
    } catch (e) {
      scope.postMessage({
        call: m.call,
        ok: false,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  };
}
