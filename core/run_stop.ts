/**
 * Ctrl-C and `kill` (SIGINT, SIGTERM) during a run. The first signal asks the run to stop at its
 * next checkpoint: the checkpoint is saved, then the run stops. A run that reaches no checkpoint
 * within the grace period (default 10 s), or a second signal, abandons the current unit of work
 * at once (a checkpoint being written is finished first). Either way the last checkpoint is kept
 * and the run can be resumed; `runExperiment` marks summary.json "interrupted" and rethrows
 * `RunInterrupted`, whose exit code is 130 for SIGINT and 143 for SIGTERM.
 * @module
 */

/** The signals a run stops on. */
export type StopSignal = "SIGINT" | "SIGTERM";

const SIGNAL_NUMBER: Record<StopSignal, number> = { SIGINT: 2, SIGTERM: 15 };

/** A run stopped by SIGINT or SIGTERM; it keeps its last checkpoint and can be resumed. */
export class RunInterrupted extends Error {
  /** The signal that stopped the run. */
  readonly signal: StopSignal;
  /** Process exit code: 128 + the signal number (130 for SIGINT, 143 for SIGTERM). */
  readonly exitCode: number;
  /** The run folder to resume ("" until the runner fills it in). */
  runDir = "";

  /** Creates the error for `signal`. */
  constructor(signal: StopSignal) {
    super(`Run interrupted by ${signal}`);
    this.name = "RunInterrupted";
    this.signal = signal;
    this.exitCode = 128 + SIGNAL_NUMBER[signal];
  }
}

/** Options of `RunStop.watch`. */
export interface RunStopOptions {
  /** Milliseconds to wait for the next checkpoint after the first signal (default 10000). */
  graceMs?: number;
  /** Prints a message line (for example the progress reporter's log). */
  log?: (message: string) => void;
  /** Signals to watch (default SIGINT and SIGTERM; none on Windows, which has no SIGTERM). */
  signals?: readonly StopSignal[];
}

/** Watches for SIGINT/SIGTERM while a run is in progress (see the module doc). */
export class RunStop {
  #signal: StopSignal | undefined;
  #closed = false;
  #abandoning = false;
  #saving = 0;
  #idle: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reject!: (error: RunInterrupted) => void;
  #listeners: [StopSignal, () => void][] = [];
  #graceMs: number;
  #log: (message: string) => void;
  /** Rejects with `RunInterrupted` when the run must be abandoned now (grace over, second signal). */
  readonly abandoned: Promise<never>;

  private constructor(options: RunStopOptions) {
    this.#graceMs = options.graceMs ?? 10_000;
    this.#log = options.log ?? (() => {});
    this.abandoned = new Promise<never>((_, reject) => (this.#reject = reject));
    this.abandoned.catch(() => {}); // Observed by whoever races it; never an unhandled rejection.
  }

  /** Starts watching the signals (removed again by `close`). */
  static watch(options: RunStopOptions = {}): RunStop {
    const stop = new RunStop(options);
    const signals = options.signals ??
      (Deno.build.os === "windows" ? [] : (["SIGINT", "SIGTERM"] as const));
    for (const signal of signals) {
      const listener = () => stop.request(signal);
      Deno.addSignalListener(signal, listener);
      stop.#listeners.push([signal, listener]);
    }
    return stop;
  }

  /** The signal received, if any. */
  get requested(): StopSignal | undefined {
    return this.#signal;
  }

  /** Records `signal` as if it had been received (a second request abandons the run at once). */
  request(signal: StopSignal): void {
    if (this.#closed) return;
    if (this.#signal !== undefined) {
      this.#abandon();
      return;
    }
    this.#signal = signal;
    this.#log(
      `${signal}: stopping at the next checkpoint (at most ${
        this.#graceMs / 1000
      } s); send it again to stop now`,
    );
    this.#timer = setTimeout(() => this.#abandon(), this.#graceMs);
  }

  /** Throws `RunInterrupted` when a signal came (call where the run may stop: after a checkpoint). */
  check(): void {
    if (this.#signal !== undefined) throw new RunInterrupted(this.#signal);
  }

  /** Throws `RunInterrupted` once the run was abandoned or closed: nothing may be written then. */
  checkOpen(): void {
    if (this.#closed || this.#abandoning) throw new RunInterrupted(this.#signal ?? "SIGINT");
  }

  /** Runs a checkpoint save; an abandonment waits for it to finish, so no save is cut short. */
  async guardSave<T>(save: () => Promise<T>): Promise<T> {
    this.checkOpen();
    this.#saving++;
    try {
      return await save();
    } finally {
      this.#saving--;
      if (this.#saving === 0) { for (const resolve of this.#idle.splice(0)) resolve(); }
    }
  }

  /** Stops watching; later saves and metric rows of an abandoned run throw `RunInterrupted`. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const [signal, listener] of this.#listeners) Deno.removeSignalListener(signal, listener);
    this.#listeners = [];
  }

  #abandon(): void {
    if (this.#abandoning) return;
    this.#abandoning = true;
    clearTimeout(this.#timer);
    const signal = this.#signal ?? "SIGINT";
    const done = this.#saving === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => this.#idle.push(resolve));
    void done.then(() => {
      this.#closed = true;
      this.#reject(new RunInterrupted(signal));
    });
  }
}
