/**
 * Progress of a run on stderr (stdout stays clean for data). On a terminal: one line redrawn
 * in place (`\r` + clear line) with the experiment name, step i/n, percent, elapsed time, ETA
 * and the best metric so far. Otherwise: plain log lines every 10% of the steps or every 10 s,
 * whichever comes first, and a final line. Nothing at all when `quiet` is set. The clock, the
 * writer and the terminal test are injectable for tests.
 * @module
 */
import { formatNumber } from "./format.ts";

/** Options of `ProgressReporter`. */
export interface ProgressOptions {
  /** Name shown first on each line (the experiment). */
  name: string;
  /** Total steps, when known (enables percent and ETA). */
  total?: number;
  /** Print nothing. */
  quiet?: boolean;
  /** Draw one updating line (default: whether stderr is a terminal). */
  terminal?: boolean;
  /** Output sink (default: synchronous write to stderr). */
  write?: (text: string) => void;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
  /** Metric to track the best value of (a key of the rows passed to `update`). */
  metric?: string;
  /** The metric's name on the line (default `metric`), where the row key reads badly there. */
  label?: string;
  /** Whether lower or higher is better for `metric` (default "min"). */
  goal?: "min" | "max";
  /**
   * Rows whose `metric` means different things (an accuracy in one setting, an MSE in another):
   * the scope of a row, its name and goal (overriding `goal`), or null to leave the row out. The
   * best is kept per scope, and the line shows the best of the latest row's scope, named.
   */
  scope?: (row: Readonly<Record<string, unknown>>) => ProgressScope | null;
  /** Word for one step (default "step"; "generation" for evolution). */
  unit?: string;
  /** Minimum time between terminal redraws in ms (default 100). */
  redrawMs?: number;
  /** Log-line mode: print at every this fraction of the total (default 0.1). */
  logFraction?: number;
  /** Log-line mode: print at least this often in ms (default 10000). */
  logEveryMs?: number;
  /** Terminal width used to truncate the line (default: the console width, else 120). */
  columns?: number;
}

/** A scope of the tracked metric (see `ProgressOptions.scope`). */
export interface ProgressScope {
  /** Shown after the metric's name. */
  name: string;
  /** Whether lower or higher is better in this scope. */
  goal: "min" | "max";
}

/** Formats a duration in seconds as `45s`, `3m05s` or `2h07m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

function stderrWriter(): (text: string) => void {
  const encoder = new TextEncoder();
  return (text) => {
    const bytes = encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
  };
}

function consoleColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 120;
  }
}

/** Reports the progress of a run on stderr: one updating line on a terminal, log lines otherwise. */
export class ProgressReporter {
  #o: Required<Omit<ProgressOptions, "total" | "metric" | "label" | "columns" | "scope">> & {
    total?: number;
    metric?: string;
    label?: string;
    columns: number;
    scope?: ProgressOptions["scope"];
  };
  #start: number;
  #step = 0;
  /** The best value (without `scope`), or the best of every scope by name. */
  #best: number | undefined;
  #bests = new Map<string, number>();
  /** The scope of the latest scored row (with `scope`). */
  #scope: ProgressScope | undefined;
  #lastDraw = -Infinity;
  #lastLog: number;
  #nextFraction: number;
  #drawn = false;
  #finished = false;

  /** Creates a reporter; the clock starts now. */
  constructor(options: ProgressOptions) {
    const total = options.total;
    if (total !== undefined && !(Number.isFinite(total) && total >= 0)) {
      throw new RangeError(
        `Cannot report progress as total must be a number >= 0: current value is ${total}`,
      );
    }
    const quiet = options.quiet ?? false;
    const terminal = options.terminal ?? (!quiet && Deno.stderr.isTerminal());
    this.#o = {
      name: options.name,
      total,
      quiet,
      terminal,
      write: options.write ?? stderrWriter(),
      now: options.now ?? (() => performance.now()),
      metric: options.metric,
      label: options.label,
      goal: options.goal ?? "min",
      scope: options.scope,
      unit: options.unit ?? "step",
      redrawMs: options.redrawMs ?? 100,
      logFraction: options.logFraction ?? 0.1,
      logEveryMs: options.logEveryMs ?? 10_000,
      columns: options.columns ?? (terminal ? consoleColumns() : 120),
    };
    this.#start = this.#o.now();
    this.#lastLog = this.#start;
    this.#nextFraction = this.#o.logFraction;
  }

  /** The best value of the tracked metric so far (with `scope`: in the latest row's), if any. */
  get best(): number | undefined {
    return this.#scope ? this.#bests.get(this.#scope.name) : this.#best;
  }

  /** Current step count. */
  get step(): number {
    return this.#step;
  }

  /** Records that `step` steps are done (and the metrics of the latest row) and maybe prints. */
  update(step: number, row?: Readonly<Record<string, unknown>>): void {
    this.#step = step;
    const metric = this.#o.metric;
    if (metric !== undefined && row !== undefined) this.#track(row[metric], row);
    if (this.#o.quiet) return;
    const now = this.#o.now();
    if (this.#o.terminal) {
      if (now - this.#lastDraw >= this.#o.redrawMs) {
        this.#lastDraw = now;
        this.#draw(now);
      }
      return;
    }
    const total = this.#o.total;
    const fraction = total ? step / total : 0;
    const crossed = total !== undefined && total > 0 && fraction >= this.#nextFraction - 1e-12;
    if (crossed || now - this.#lastLog >= this.#o.logEveryMs) {
      if (crossed) {
        while (this.#nextFraction <= fraction + 1e-12) this.#nextFraction += this.#o.logFraction;
      }
      this.#lastLog = now;
      this.#o.write(this.line(now) + "\n");
    }
  }

  /** Takes the row's metric value `v` into the best of its scope (or the one best). */
  #track(v: unknown, row: Readonly<Record<string, unknown>>): void {
    if (typeof v !== "number" || Number.isNaN(v)) return;
    const s = this.#o.scope ? this.#o.scope(row) : undefined;
    if (s === null) return;
    if (s) this.#scope = s;
    const best = this.best;
    const goal = s?.goal ?? this.#o.goal;
    if (best !== undefined && (goal === "min" ? v >= best : v <= best)) return;
    if (s) this.#bests.set(s.name, v);
    else this.#best = v;
  }

  /** Prints the final line (`done in ...`); later calls do nothing. */
  done(note?: string): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#o.quiet) return;
    const now = this.#o.now();
    const text = `${this.line(now, true)}${note ? ` ${note}` : ""}`;
    if (this.#o.terminal) this.#o.write(`\r\x1b[2K${this.#fit(text)}\n`);
    else this.#o.write(text + "\n");
  }

  /** The status text at time `now` (what a redraw or log line shows). */
  line(now: number = this.#o.now(), finished = false): string {
    const o = this.#o;
    const elapsed = (now - this.#start) / 1000;
    const parts = [o.name];
    if (o.total !== undefined) {
      const pct = o.total > 0 ? Math.floor((100 * this.#step) / o.total) : 100;
      parts.push(`${o.unit} ${this.#step}/${o.total} (${pct}%)`);
    } else {
      parts.push(`${o.unit} ${this.#step}`);
    }
    if (finished) {
      parts.push(`done in ${formatDuration(elapsed)}`);
    } else {
      parts.push(`elapsed ${formatDuration(elapsed)}`);
      if (o.total !== undefined && this.#step > 0 && this.#step <= o.total) {
        const eta = (elapsed / this.#step) * (o.total - this.#step);
        parts.push(`ETA ${formatDuration(eta)}`);
      }
    }
    const best = this.best;
    if (o.metric !== undefined && best !== undefined) {
      const scope = this.#scope ? ` (${this.#scope.name})` : "";
      parts.push(`best ${o.label ?? o.metric}${scope} ${formatNumber(best)}`);
    }
    return parts.join("  ");
  }

  #fit(text: string): string {
    const max = Math.max(20, this.#o.columns - 1);
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  #draw(now: number): void {
    this.#drawn = true;
    this.#o.write(`\r\x1b[2K${this.#fit(this.line(now))}`);
  }

  /** Prints a message line without breaking the progress line (nothing when quiet). */
  log(message: string): void {
    if (this.#o.quiet) return;
    const text = message.replace(/\r?\n$/, "");
    if (this.#o.terminal && this.#drawn) {
      this.#o.write(`\r\x1b[2K${text}\n`);
      this.#draw(this.#o.now());
    } else {
      this.#o.write(text + "\n");
    }
  }
}
