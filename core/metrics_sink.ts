/**
 * The metrics sink of a run: rows emitted by an experiment are checked, counted, shown on the
 * progress line and appended to metrics.csv in batches (every 1,000 rows or `flushMs`).
 * @module
 */
import type { ProgressReporter } from "./progress.ts";
import type { MetricRow, RunDir } from "./run_dir.ts";

/** Buffers metric rows and appends them to the run folder's metrics.csv. */
export class MetricsSink {
  #pending: MetricRow[] = [];
  #lastFlush = performance.now();
  #count: number;
  #last: MetricRow | undefined;

  #flushMs: number;
  #beforeEmit: () => void;

  /**
   * A sink for experiment `name`, continuing after `o.resumed` rows (already on disk), flushing
   * every `o.flushMs`; `o.beforeEmit` may refuse a row by throwing (a stopped run).
   */
  constructor(
    readonly dir: RunDir,
    readonly progress: ProgressReporter,
    readonly name: string,
    o: { flushMs: number; resumed?: readonly MetricRow[]; beforeEmit?: () => void },
  ) {
    this.#flushMs = o.flushMs;
    this.#beforeEmit = o.beforeEmit ?? (() => {});
    this.#count = o.resumed?.length ?? 0;
    this.#last = o.resumed?.at(-1);
  }

  /** Rows recorded so far (resumed ones included). */
  get count(): number {
    return this.#count;
  }

  /** The last row recorded, if any. */
  get last(): MetricRow | undefined {
    return this.#last;
  }

  /** Appends the pending rows to metrics.csv. */
  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const rows = this.#pending;
    this.#pending = [];
    this.#lastFlush = performance.now();
    await this.dir.appendMetrics(rows);
  }

  /** Records one row (a copy), updates the progress line, and flushes when due. */
  async emit(row: MetricRow): Promise<void> {
    this.#beforeEmit();
    if (row === null || typeof row !== "object") {
      throw new TypeError(
        `Cannot record metrics row of "${this.name}" as it must be an object: current value is ${
          String(row)
        }`,
      );
    }
    const copy = { ...row };
    this.#pending.push(copy);
    this.#last = copy;
    this.#count++;
    const step = typeof row.step === "number"
      ? row.step
      : typeof row.generation === "number"
      ? row.generation
      : this.#count;
    this.progress.update(step, row);
    if (this.#pending.length >= 1000 || performance.now() - this.#lastFlush >= this.#flushMs) {
      await this.flush();
    }
  }
}
