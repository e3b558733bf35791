/**
 * One run's output folder, `runs/<timestamp>-<name>/` (or a given folder): config.json,
 * metrics.csv, summary.json, plots/*.svg, report.md, dashboard.html and any extra JSON. Every
 * whole-file write is atomic (temp file + rename). metrics.csv grows by appending whole lines;
 * when a row brings a new column the file is rewritten atomically with the wider header.
 *
 * Nothing is created before `RunDir.create`: validate the config first, then create the folder.
 * @module
 */

import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { writeFileAtomic, writeJsonAtomic } from "./atomic.ts";
import { writing } from "./write_error.ts";
import { InputError } from "./input_error.ts";
import { fsReason } from "./input_files.ts";
import { parseCsv } from "./_csv_parse.ts";

/** One metrics value: a number (NaN and infinities allowed) or a string. */
export type MetricValue = number | string;

/** One row of metrics.csv: one step or generation (undefined fields become empty cells). */
export type MetricRow = Record<string, MetricValue | undefined>;

/** Options of `RunDir.create`. */
export interface RunDirOptions {
  /** Parent folder of timestamped run folders (default "runs"). */
  root?: string;
  /** Use exactly this folder instead of `<root>/<timestamp>-<name>` (created if missing). */
  dir?: string;
  /** Clock for the timestamp (default `() => new Date()`). */
  now?: () => Date;
}

/** A run folder read back from disk, for re-rendering. */
export interface RunData {
  /** The folder. */
  path: string;
  /** Parsed config.json (undefined when absent). */
  config: unknown;
  /** Parsed summary.json (undefined when absent). */
  summary: unknown;
  /** metrics.csv columns in file order. */
  columns: string[];
  /** metrics.csv rows: numeric cells as numbers, empty cells left out. */
  metrics: Record<string, MetricValue>[];
}

/** File names inside a run folder. */
export const RUN_FILES = {
  config: "config.json",
  metrics: "metrics.csv",
  summary: "summary.json",
  report: "report.md",
  dashboard: "dashboard.html",
  plots: "plots",
} as const;

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Formats a date as the UTC folder stamp `YYYYMMDD-HHMMSS`. */
export function runStamp(date: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}-` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
}

function checkRow(row: unknown): MetricRow {
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    throw new TypeError(
      `Cannot write metrics row as it must be an object: current value is ${String(row)}`,
    );
  }
  for (const [key, value] of Object.entries(row)) {
    if (value !== undefined && typeof value !== "number" && typeof value !== "string") {
      throw new TypeError(
        `Cannot write metrics row as field "${key}" must be a number or a string: current value is ${
          String(value)
        }`,
      );
    }
  }
  return row as MetricRow;
}

function csvText(rows: readonly MetricRow[], columns: readonly string[], header: boolean): string {
  if (rows.length === 0 && !header) return "";
  return stringify(rows as MetricRow[], { header, columns: [...columns] });
}

const NUMBER_PATTERN = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Parses one metrics.csv cell: numbers (and NaN, Infinity) become numbers, else the string. */
export function parseMetricCell(cell: string): MetricValue {
  if (cell === "NaN") return NaN;
  if (cell === "Infinity") return Infinity;
  if (cell === "-Infinity") return -Infinity;
  return NUMBER_PATTERN.test(cell) ? Number(cell) : cell;
}

/** Parses metrics.csv text into its columns and rows (empty cells are left out of a row). */
export function parseMetricsCsv(
  text: string,
): { columns: string[]; rows: Record<string, MetricValue>[] } {
  const records = parseCsv(text);
  const columns = records[0] ?? [];
  const rows = records.slice(1).map((record) => {
    const row: Record<string, MetricValue> = {};
    columns.forEach((column, i) => {
      const cell = record[i];
      if (cell !== undefined && cell !== "") row[column] = parseMetricCell(cell);
    });
    return row;
  });
  return { columns, rows };
}

/** A run's output folder; all writes are atomic. */
export class RunDir {
  #path: string;
  #columns: string[] = [];
  #rowCount = 0;
  #metricsOnDisk = false;

  private constructor(path: string) {
    this.#path = path;
  }

  /**
   * Creates `<root>/<YYYYMMDD-HHMMSS>-<name>/` (a suffix `-2`, `-3`, ... when taken) or, with
   * `dir`, that folder. This is the first write of a run: validate the config before it.
   */
  static async create(name: string, options: RunDirOptions = {}): Promise<RunDir> {
    if (typeof name !== "string" || !NAME_PATTERN.test(name) || name.length > 80) {
      throw new RangeError(
        `Cannot create run folder as name must match ${NAME_PATTERN} (at most 80 characters): current value is ${
          JSON.stringify(name)
        }`,
      );
    }
    if (options.dir !== undefined) {
      await Deno.mkdir(options.dir, { recursive: true });
      const run = new RunDir(options.dir);
      await Deno.mkdir(run.file(RUN_FILES.plots), { recursive: true });
      return run;
    }
    const root = options.root ?? "runs";
    await Deno.mkdir(root, { recursive: true });
    const base = `${runStamp((options.now ?? (() => new Date()))())}-${name}`;
    for (let attempt = 1;; attempt++) {
      const path = join(root, attempt === 1 ? base : `${base}-${attempt}`);
      try {
        await Deno.mkdir(path);
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists && attempt < 1000) continue;
        throw error;
      }
      await Deno.mkdir(join(path, RUN_FILES.plots));
      return new RunDir(path);
    }
  }

  /** Opens an existing run folder (for re-rendering); metrics appends start a new file. */
  static open(path: string): RunDir {
    return new RunDir(path);
  }

  /** The folder path. */
  get path(): string {
    return this.#path;
  }

  /** metrics.csv columns so far: the union of row keys in order of first appearance. */
  get metricsColumns(): string[] {
    return [...this.#columns];
  }

  /** Number of metrics rows written. */
  get metricsRowCount(): number {
    return this.#rowCount;
  }

  /** Path of `parts` inside the run folder. */
  file(...parts: string[]): string {
    return join(this.#path, ...parts);
  }

  /** Writes a text file inside the run folder atomically (folders created as needed). */
  async writeText(relative: string, text: string | Uint8Array): Promise<void> {
    const path = this.file(relative);
    const slash = relative.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(this.file(relative.slice(0, slash)), { recursive: true });
    await writeFileAtomic(path, text);
  }

  /** Writes pretty JSON inside the run folder atomically. */
  async writeJson(relative: string, value: unknown): Promise<void> {
    const slash = relative.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(this.file(relative.slice(0, slash)), { recursive: true });
    await writeJsonAtomic(this.file(relative), value);
  }

  /** Writes config.json: the full resolved config, so the run can be repeated. */
  writeConfig(config: unknown): Promise<void> {
    return this.writeJson(RUN_FILES.config, config);
  }

  /** Writes summary.json. */
  writeSummary(summary: unknown): Promise<void> {
    return this.writeJson(RUN_FILES.summary, summary);
  }

  /** Writes plots/<name>.svg. */
  writePlot(name: string, svg: string): Promise<void> {
    if (!NAME_PATTERN.test(name)) {
      throw new RangeError(
        `Cannot write plot as name must match ${NAME_PATTERN}: current value is ${
          JSON.stringify(name)
        }`,
      );
    }
    return this.writeText(`${RUN_FILES.plots}/${name}.svg`, svg);
  }

  /** Writes report.md. */
  writeReport(markdown: string): Promise<void> {
    return this.writeText(RUN_FILES.report, markdown);
  }

  /** Writes dashboard.html. */
  writeDashboard(html: string): Promise<void> {
    return this.writeText(RUN_FILES.dashboard, html);
  }

  /**
   * Appends rows to metrics.csv in one write. A row with a column not seen before makes the
   * whole file be rewritten atomically with the widened header (earlier rows get empty cells);
   * the earlier rows are read back from the file for that, so no row is held in memory.
   */
  async appendMetrics(rows: MetricRow | readonly MetricRow[]): Promise<void> {
    const list = (Array.isArray(rows) ? rows : [rows]).map(checkRow);
    if (list.length === 0) return;
    let widened = false;
    for (const row of list) {
      for (const [key, value] of Object.entries(row)) {
        if (value !== undefined && !this.#columns.includes(key)) {
          this.#columns.push(key);
          widened = true;
        }
      }
    }
    const path = this.file(RUN_FILES.metrics);
    if (widened || !this.#metricsOnDisk) {
      const earlier = this.#metricsOnDisk ? await readRowsAsText(path) : [];
      await writeFileAtomic(path, csvText([...earlier, ...list], this.#columns, true));
      this.#metricsOnDisk = true;
    } else {
      const text = csvText(list, this.#columns, false);
      await writing(path, () => Deno.writeTextFile(path, text, { append: true }));
    }
    this.#rowCount += list.length;
  }

  /** Rewrites metrics.csv atomically with exactly `rows` (columns from their keys). */
  async writeMetrics(rows: readonly MetricRow[]): Promise<void> {
    this.#columns = [];
    this.#rowCount = 0;
    this.#metricsOnDisk = false;
    if (rows.length === 0) {
      await writeFileAtomic(this.file(RUN_FILES.metrics), "");
      this.#metricsOnDisk = true;
      return;
    }
    await this.appendMetrics(rows);
  }
}

/** The rows of a metrics.csv as written (cells kept as text, so rewriting gives the same bytes). */
async function readRowsAsText(path: string): Promise<MetricRow[]> {
  const [header = [], ...records] = parseCsv(await Deno.readTextFile(path));
  return records.map((record) => {
    const row: MetricRow = {};
    header.forEach((column, i) => {
      const cell = record[i];
      if (cell !== undefined && cell !== "") row[column] = cell;
    });
    return row;
  });
}

async function readJsonIfPresent(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(
      `Cannot parse "${path}" as JSON: ${(error as Error).message.split("\n")[0]}`,
      { file: path },
    );
  }
}

/** Reads a run folder back: config.json, summary.json and metrics.csv (numbers parsed). */
export async function readRun(path: string): Promise<RunData> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new InputError(`Cannot read run folder "${path}": ${fsReason(error)}`, { file: path });
  }
  if (!info.isDirectory) {
    throw new InputError(`Cannot read run as "${path}" must be a folder: it is a file`, {
      file: path,
    });
  }
  const config = await readJsonIfPresent(join(path, RUN_FILES.config));
  const summary = await readJsonIfPresent(join(path, RUN_FILES.summary));
  let csv = "";
  try {
    csv = await Deno.readTextFile(join(path, RUN_FILES.metrics));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const { columns, rows } = parseMetricsCsv(csv);
  return { path, config, summary, columns, metrics: rows };
}
