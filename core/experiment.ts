/**
 * Experiments: a registry and the runner that turns one into a run folder.
 *
 * An experiment declares a zod config schema with defaults (plus optional per-scale presets
 * for "smoke" | "default" | "full") and a `run` function. `run` either is an async generator
 * that yields metric rows and returns an `ExperimentResult`, or an async function that emits
 * rows with `ctx.emit` and resolves to the result. The result holds a summary, tables, plot
 * specs (plain data, or SVG strings) and Markdown sections.
 *
 * `runExperiment` validates the config before anything is written, creates the run folder,
 * writes config.json, streams rows to metrics.csv, reports progress on stderr, and at the end
 * writes summary.json and result.json, then calls `renderRun`, which renders plots/*.svg,
 * report.md and dashboard.html from the files alone. Re-running `renderRun` on the folder later
 * therefore gives byte-identical files without recomputing anything.
 * @module
 */

import { join } from "node:path";
import { type Checkpoint, loadCheckpoint, pruneCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { type ConfigSchema, parseConfig, readConfigFile } from "./config_schema.ts";
import type { Scale } from "./experiment_registry.ts";
import { errorLine, InputError } from "./input_error.ts";
import { RunInterrupted, RunStop } from "./run_stop.ts";
import { WriteError } from "./write_error.ts";
import { defaultSummary, toResultFile } from "./run_result.ts";
import { checkSeed, type PreparedRun, prepareRun } from "./run_prepare.ts";
import { completedRun, readResumeInfo, RUN_INFO_FILE, type RunInfoFile } from "./run_info.ts";
import type { PlotSpec } from "./plots.ts";
import { type ProgressOptions, ProgressReporter } from "./progress.ts";
import type { Cell, ReportSection, Table } from "./report.ts";
import { type MetricRow, parseMetricsCsv, RUN_FILES, RunDir } from "./run_dir.ts";
import {
  type RenderedRun,
  renderRun,
  RESULT_FILE,
  type ResultFile,
  type RunSummaryFile,
} from "./render_run.ts";

export { type RenderedRun, renderRun, RESULT_FILE, type ResultFile, type RunSummaryFile };
export { RUN_INFO_FILE };
export {
  getExperiment,
  listExperiments,
  mergeConfig,
  registerExperiment,
  resolveConfig,
  type Scale,
  SCALES,
  unregisterExperiment,
} from "./experiment_registry.ts";

/** What an experiment returns at the end of its run. */
export interface ExperimentResult {
  /** Report title (default: the experiment name). */
  title?: string;
  /** Summary metrics (default: the numeric fields of the last metric row). */
  summary?: Record<string, Cell>;
  /** Result tables. */
  tables?: Table[];
  /** Plots by file name (`plots/<name>.svg`): a spec (re-renderable data) or an SVG string. */
  plots?: Record<string, PlotSpec | string>;
  /** Free text sections (Markdown), e.g. "Method", "Comparison with the claims". */
  sections?: ReportSection[];
}

/** What a running experiment gets. */
export interface RunContext<C, I = unknown> {
  /** The validated config with defaults filled. */
  readonly config: C;
  /** The run seed (feed it to the counter-based RNG; nothing reads a global RNG). */
  readonly seed: number;
  /** What the experiment's `prepare` read and validated before the run folder existed. */
  readonly inputs: I | undefined;
  /** The scale the config was resolved for. */
  readonly scale: Scale;
  /** The experiment name. */
  readonly name: string;
  /** The run folder. */
  readonly runDir: string;
  /** The folder for checkpoints (`<runDir>/checkpoint`, created on first save). */
  readonly checkpointDir: string;
  /** Records one metrics row (one step or generation); same as yielding it. */
  emit(row: MetricRow): Promise<void>;
  /** Prints one message line on stderr without breaking the progress line (silent when quiet). */
  log(message: string): void;
  /** Saves a checkpoint (JSON state + optional binary blobs) crash-safely; returns its generation. */
  saveCheckpoint(state: unknown, blobs?: Record<string, Uint8Array>): Promise<number>;
  /** Loads the last saved checkpoint, or undefined. */
  loadCheckpoint<S = unknown>(): Promise<Checkpoint<S> | undefined>;
}

/** What `run` may return: a row generator (returning the result) or a promise of the result. */
export type ExperimentRun =
  | AsyncGenerator<MetricRow, ExperimentResult | void, undefined>
  | AsyncIterable<MetricRow>
  | Promise<ExperimentResult | void>;

/** An experiment: a config schema with defaults and a run function. */
export interface Experiment<C = unknown, I = unknown> {
  /** Registry key and run folder suffix: letters, digits, `-`, `_`. */
  readonly name: string;
  /** One sentence shown in listings and reports. */
  readonly description: string;
  /** Config schema with defaults; objects are made strict when parsing. */
  readonly schema: ConfigSchema<C>;
  /** Raw config presets merged under the user's config for each scale. */
  readonly scales?: Partial<Record<Scale, Record<string, unknown>>>;
  /** Progress display: the metric whose best value to show, its goal, and the step word. */
  readonly progress?: { metric?: string; goal?: "min" | "max"; unit?: string };
  /** Total steps for a config (enables percent and ETA). */
  steps?(config: C): number;
  /**
   * Reads and validates every input file the config names (data sets, strategies, learned
   * optimizers, WGSL) before the run folder exists; throws `InputError`s. The result is
   * `ctx.inputs`. Also called on --resume, before anything is rewritten.
   */
  prepare?(config: C, run: { seed: number; scale: Scale }): Promise<I>;
  /** Runs the experiment. */
  run(ctx: RunContext<C, I>): ExperimentRun;
}

/** Options of `runExperiment`. */
export interface RunExperimentOptions {
  /** The user's config (for example parsed from a JSON file); merged over the scale preset. */
  rawConfig?: unknown;
  /** Where `rawConfig` came from, named in errors (a file name, "command line"). */
  source?: string;
  /** Scale preset (default "default"). */
  scale?: Scale;
  /** Run seed, an integer in [0, 2^32) (default 0). */
  seed?: number;
  /** Parent of the timestamped run folder (default "runs"). */
  outDir?: string;
  /** Exact run folder instead of `<outDir>/<timestamp>-<name>`. */
  dir?: string;
  /** No progress output. */
  quiet?: boolean;
  /** Progress overrides (writer, terminal, clock) for tests and embedding. */
  progress?: Pick<ProgressOptions, "write" | "terminal" | "now" | "columns">;
  /** Wall clock for the folder stamp and summary times (default `() => new Date()`). */
  now?: () => Date;
  /** Flush buffered metric rows to disk at least this often in ms (default 1000). */
  flushMs?: number;
  /**
   * Continue the run in this folder from its last checkpoint (config, seed and scale come from
   * the folder; `rawConfig`, `scale`, `seed`, `outDir` and `dir` are ignored). Metric rows written
   * after that checkpoint are dropped and recomputed, so a run killed at any point and resumed
   * ends with the same files as a run never interrupted (times aside).
   */
  resume?: string;
  /** Milliseconds a run may take after SIGINT/SIGTERM to reach its next checkpoint (default 10000). */
  stopGraceMs?: number;
  /** The result of `prepareRun` for these options (the CLI prepares every run before any starts). */
  prepared?: PreparedRun<unknown>;
}

/** The state saved by `RunContext.saveCheckpoint`, with the number of metric rows so far. */
interface CheckpointEnvelope {
  rows: number;
  state: unknown;
}

/** What `runExperiment` returns. */
export interface RunOutcome<C> {
  /** The run folder. */
  dir: string;
  /** The resolved config. */
  config: C;
  /** The summary metrics written to summary.json. */
  summary: Record<string, Cell>;
  /** Number of metric rows. */
  rows: number;
  /** True when a resumed run was already complete: nothing was recomputed or rewritten. */
  alreadyComplete?: boolean;
}

/**
 * Runs `experiment`: validates the config (nothing is written before), creates the run folder,
 * writes config.json, streams rows to metrics.csv with progress on stderr, then writes
 * summary.json and result.json and renders plots, report.md and dashboard.html (`renderRun`).
 * On failure summary.json records status "failed" and the error is rethrown.
 */
export async function runExperiment<C, I = unknown>(
  experiment: Experiment<C, I>,
  options: RunExperimentOptions = {},
): Promise<RunOutcome<C>> {
  const clock = options.now ?? (() => new Date());
  const startedAt = clock();
  let config: C;
  let seed: number;
  let scale: Scale;
  let dir: RunDir;
  let inputs: I | undefined;
  let resumedRows: MetricRow[] = [];
  if (options.resume !== undefined) {
    const info = await readResumeInfo(options.resume, experiment.name);
    seed = checkSeed(info.seed);
    scale = info.scale;
    const configPath = join(options.resume, RUN_FILES.config);
    config = parseConfig(experiment.schema, await readConfigFile(configPath), configPath);
    const done = await completedRun(options.resume);
    if (done) return { dir: options.resume, config, ...done, alreadyComplete: true };
    inputs = await experiment.prepare?.(config, { seed, scale });
    dir = RunDir.open(options.resume);
    await pruneCheckpoint(dir.file("checkpoint"));
    const saved = await loadCheckpoint<CheckpointEnvelope>(join(options.resume, "checkpoint"));
    const rows = saved?.state.rows ?? 0;
    let text = "";
    try {
      text = await Deno.readTextFile(dir.file(RUN_FILES.metrics));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    // Keep the rows the checkpoint had seen (complete lines only); later ones are recomputed.
    const lines = text.split("\n");
    const complete = lines.slice(0, Math.min(lines.length - 1, rows + 1)).join("\n");
    resumedRows = parseMetricsCsv(complete).rows.slice(0, rows) as MetricRow[];
    if (resumedRows.length !== rows) {
      throw new InputError(
        `Cannot resume run ${options.resume} as metrics.csv must hold the ${rows} rows of its checkpoint: current value is ${resumedRows.length}`,
      );
    }
    await dir.writeMetrics(resumedRows);
  } else {
    const prepared = (options.prepared as PreparedRun<C, I> | undefined) ??
      await prepareRun(experiment, options);
    ({ config, seed, scale, inputs } = prepared);
    dir = await RunDir.create(experiment.name, {
      root: options.outDir,
      dir: options.dir,
      now: () => startedAt,
    });
    await dir.writeConfig(config);
    const info: RunInfoFile = { experiment: experiment.name, seed, scale };
    await dir.writeJson(RUN_INFO_FILE, info);
  }
  const total = experiment.steps?.(config);

  const progress = new ProgressReporter({
    name: experiment.name,
    total,
    quiet: options.quiet,
    metric: experiment.progress?.metric,
    goal: experiment.progress?.goal,
    unit: experiment.progress?.unit,
    ...options.progress,
  });
  const flushMs = options.flushMs ?? 1000;
  let pending: MetricRow[] = [];
  let lastFlush = performance.now();
  let count = resumedRows.length;
  let last: MetricRow | undefined = resumedRows.at(-1);
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const rows = pending;
    pending = [];
    lastFlush = performance.now();
    await dir.appendMetrics(rows);
  };
  const stop = RunStop.watch({ graceMs: options.stopGraceMs, log: (m) => progress.log(m) });
  const emit = async (row: MetricRow): Promise<void> => {
    stop.checkOpen();
    if (row === null || typeof row !== "object") {
      throw new TypeError(
        `Cannot record metrics row of "${experiment.name}" as it must be an object: current value is ${
          String(row)
        }`,
      );
    }
    const copy = { ...row };
    pending.push(copy);
    last = copy;
    count++;
    const step = typeof row.step === "number"
      ? row.step
      : typeof row.generation === "number"
      ? row.generation
      : count;
    progress.update(step, row);
    if (pending.length >= 1000 || performance.now() - lastFlush >= flushMs) await flush();
  };
  const checkpointDir = dir.file("checkpoint");
  const ctx: RunContext<C, I> = {
    config,
    seed,
    inputs,
    scale,
    name: experiment.name,
    runDir: dir.path,
    checkpointDir,
    emit,
    log: (message) => progress.log(message),
    saveCheckpoint: async (state, blobs) => {
      const generation = await stop.guardSave(async () => {
        // Rows emitted so far reach the disk first, so the checkpoint never refers to lost rows.
        await flush();
        const envelope: CheckpointEnvelope = { rows: count, state };
        return await saveCheckpoint(checkpointDir, envelope, { blobs });
      });
      stop.check(); // After SIGINT/SIGTERM the run stops here, its last unit saved.
      return generation;
    },
    loadCheckpoint: async <S>() => {
      const saved = await loadCheckpoint<CheckpointEnvelope>(checkpointDir);
      return saved === undefined ? undefined : { ...saved, state: saved.state.state as S };
    },
  };

  const writeSummary = async (
    status: RunSummaryFile["status"],
    metrics: Record<string, Cell>,
    error?: string,
  ): Promise<void> => {
    const finishedAt = clock();
    const summary: RunSummaryFile = {
      experiment: experiment.name,
      description: experiment.description,
      scale,
      seed,
      status,
      ...(error === undefined ? {} : { error }),
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationSeconds: Math.round(finishedAt.getTime() - startedAt.getTime()) / 1000,
      rows: count,
      metrics,
    };
    await dir.writeSummary(summary);
  };

  let result: ExperimentResult | void;
  try {
    const running = experiment.run(ctx);
    if (running !== null && typeof running === "object" && Symbol.asyncIterator in running) {
      const iterator = (running as AsyncIterable<MetricRow>)
        [Symbol.asyncIterator]() as AsyncIterator<
          MetricRow,
          ExperimentResult | void
        >;
      for (;;) {
        const next = await Promise.race([iterator.next(), stop.abandoned]);
        if (next.done) {
          result = next.value;
          break;
        }
        await emit(next.value);
      }
    } else {
      result = await Promise.race([running as Promise<ExperimentResult | void>, stop.abandoned]);
    }
    await flush();
  } catch (error) {
    stop.close();
    const interrupted = error instanceof RunInterrupted;
    if (interrupted || error instanceof WriteError) error.runDir = dir.path;
    else await flush().catch(() => {});
    await pruneCheckpoint(checkpointDir);
    const message = interrupted ? error.message : errorLine(error);
    const status = interrupted ? "interrupted" : "failed";
    await writeSummary(status, defaultSummary(last), message).catch(() => {});
    progress.done(`(${status})`);
    throw error;
  }
  stop.close();
  const summary = result?.summary ?? defaultSummary(last);
  try {
    await dir.writeJson(RESULT_FILE, toResultFile(experiment as Experiment<unknown>, result ?? {}));
    await writeSummary("completed", summary);
    await renderRun(dir.path);
  } catch (error) {
    // A write error (disk full, ...) while finishing: the run is marked failed and can be resumed.
    if (error instanceof WriteError) error.runDir = dir.path;
    await writeSummary("failed", summary, errorLine(error)).catch(() => {});
    progress.done("(failed)");
    throw error;
  }
  progress.done(`-> ${dir.path}`);
  return { dir: dir.path, config, summary, rows: count };
}
