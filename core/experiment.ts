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

import { type Checkpoint, loadCheckpoint, pruneCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import type { ConfigSchema } from "./config_schema.ts";
import type { Scale } from "./experiment_registry.ts";
import { errorLine } from "./input_error.ts";
import { RunInterrupted, RunStop } from "./run_stop.ts";
import { WriteError } from "./write_error.ts";
import { asDeviceLoss, DeviceLostError } from "./device_lost.ts";
import { defaultSummary, toResultFile } from "./run_result.ts";
import type { PreparedRun } from "./run_prepare.ts";
import { RUN_INFO_FILE } from "./run_info.ts";
import type { PlotSpec } from "./plots.ts";
import { abandonable } from "./abandonable.ts";
import { type ProgressOptions, ProgressReporter } from "./progress.ts";
import type { Cell, ReportSection, Table } from "./report.ts";
import { type MetricRow, RUN_FILES, type RunDir } from "./run_dir.ts";
import { MetricsSink } from "./metrics_sink.ts";
import { type CheckpointEnvelope, createRun, type OpenedRun, openResumedRun } from "./run_open.ts";
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
  /**
   * True once SIGINT or SIGTERM asked the run to stop at its next checkpoint: work that saves only
   * now and then should save at its next chance (absent: never).
   */
  stopRequested?(): boolean;
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
  /**
   * Progress display: the metric whose best value to show, its goal (or per-row scopes with their
   * goals), and the step word.
   */
  readonly progress?: Pick<ProgressOptions, "metric" | "label" | "goal" | "scope" | "unit">;
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
  /**
   * Config fields that replace the run's saved ones on `resume` (the CLI passes `backend` only: a
   * run whose GPU device was lost may continue on the CPU twin).
   */
  resumeConfig?: Record<string, unknown>;
  /** Milliseconds a run may take after SIGINT/SIGTERM to reach its next checkpoint (default 10000). */
  stopGraceMs?: number;
  /** The result of `prepareRun` for these options (the CLI prepares every run before any starts). */
  prepared?: PreparedRun<unknown>;
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

/** The context an experiment runs with: config, inputs, metrics, log and checkpoints. */
function runContext<C, I>(
  experiment: Experiment<C, I>,
  run: OpenedRun<C, I>,
  sink: MetricsSink,
  stop: RunStop,
): RunContext<C, I> {
  const checkpointDir = run.dir.file("checkpoint");
  return {
    config: run.config,
    seed: run.seed,
    inputs: run.inputs,
    scale: run.scale,
    name: experiment.name,
    runDir: run.dir.path,
    checkpointDir,
    emit: (row) => sink.emit(row),
    log: (message) => sink.progress.log(message),
    saveCheckpoint: async (state, blobs) => {
      const generation = await stop.guardSave(async () => {
        // Rows emitted so far reach the disk first, so the checkpoint never refers to lost rows.
        await sink.flush();
        const envelope: CheckpointEnvelope = { rows: sink.count, state };
        return await saveCheckpoint(checkpointDir, envelope, { blobs });
      });
      stop.check(); // After SIGINT/SIGTERM the run stops here, its last unit saved.
      return generation;
    },
    loadCheckpoint: async <S>() => {
      const saved = await loadCheckpoint<CheckpointEnvelope>(checkpointDir);
      return saved === undefined ? undefined : { ...saved, state: saved.state.state as S };
    },
    stopRequested: () => stop.requested !== undefined,
  };
}

/**
 * Runs the experiment's `run`: a row generator (each row emitted) or a promise of the result,
 * either raced against `abandoned` (a stop that cannot wait for the next checkpoint); the races
 * hold no row after it is emitted (core/abandonable.ts).
 */
async function drive(
  running: ExperimentRun,
  emit: (row: MetricRow) => Promise<void>,
  abandoned: Promise<never>,
): Promise<ExperimentResult | void> {
  const race = abandonable(abandoned);
  if (running !== null && typeof running === "object" && Symbol.asyncIterator in running) {
    const iterator = (running as AsyncIterable<MetricRow>)
      [Symbol.asyncIterator]() as AsyncIterator<MetricRow, ExperimentResult | void>;
    for (;;) {
      const next = await race(iterator.next());
      if (next.done) return next.value;
      await emit(next.value);
    }
  }
  return await race(running as Promise<ExperimentResult | void>);
}

/** What summary.json says of a run besides its identity and times. */
interface SummaryOutcome {
  status: RunSummaryFile["status"];
  metrics: Record<string, Cell>;
  error?: string;
}

/** Writes summary.json of a finished, failed or interrupted run. */
async function writeRunSummary(
  run: { dir: RunDir; scale: Scale; seed: number; rows: number },
  experiment: { name: string; description: string },
  times: { startedAt: Date; finishedAt: Date },
  outcome: SummaryOutcome,
): Promise<void> {
  const { startedAt, finishedAt } = times;
  const summary: RunSummaryFile = {
    experiment: experiment.name,
    description: experiment.description,
    scale: run.scale,
    seed: run.seed,
    status: outcome.status,
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: Math.round(finishedAt.getTime() - startedAt.getTime()) / 1000,
    rows: run.rows,
    metrics: outcome.metrics,
  };
  await run.dir.writeSummary(summary);
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
  const opened = options.resume !== undefined
    ? await openResumedRun(experiment, options.resume, options.resumeConfig)
    : await createRun(experiment, options, startedAt);
  if (!("resumedRows" in opened)) return opened;
  const run = opened;
  const dir = run.dir;
  const progress = new ProgressReporter({
    name: experiment.name,
    total: experiment.steps?.(run.config),
    quiet: options.quiet,
    ...experiment.progress,
    ...options.progress,
  });
  const stop = RunStop.watch({ graceMs: options.stopGraceMs, log: (m) => progress.log(m) });
  const sink = new MetricsSink(dir, progress, experiment.name, {
    flushMs: options.flushMs ?? 1000,
    resumed: run.resumedRows,
    beforeEmit: () => stop.checkOpen(),
  });
  const summarize = (outcome: SummaryOutcome) =>
    writeRunSummary(
      { ...run, rows: sink.count },
      experiment,
      { startedAt: run.startedAt ?? startedAt, finishedAt: clock() },
      outcome,
    );
  let result: ExperimentResult | void;
  try {
    const running = experiment.run(runContext(experiment, run, sink, stop));
    result = await drive(running, (row) => sink.emit(row), stop.abandoned);
    await sink.flush();
  } catch (thrown) {
    stop.close();
    // A WebGPU call on a lost device may throw its own error first: report it as the loss.
    const known = thrown instanceof RunInterrupted || thrown instanceof WriteError;
    const error = known ? thrown : await asDeviceLoss(thrown, "the run");
    const interrupted = error instanceof RunInterrupted;
    const stopped = error instanceof WriteError || error instanceof DeviceLostError;
    if (interrupted || stopped) error.runDir = dir.path;
    else await sink.flush().catch(() => {});
    await pruneCheckpoint(dir.file("checkpoint"));
    const message = interrupted ? error.message : errorLine(error);
    const status = interrupted ? "interrupted" : "failed";
    const metrics = defaultSummary(sink.last);
    const marked = await summarize({ status, metrics, error: message }).then(
      () => true,
      () => false,
    );
    if (stopped) error.markedFailed = marked;
    progress.done(`(${status})`);
    throw error;
  }
  stop.close();
  const summary = result?.summary ?? defaultSummary(sink.last);
  try {
    await dir.writeJson(RESULT_FILE, toResultFile(experiment as Experiment<unknown>, result ?? {}));
    await summarize({ status: "completed", metrics: summary });
    await renderRun(dir.path);
  } catch (error) {
    // A write error (disk full, ...) while finishing: the run is marked failed and can be resumed.
    // The "completed" summary goes first: its space is what the "failed" one needs on a full disk.
    if (error instanceof WriteError) error.runDir = dir.path;
    await Deno.remove(dir.file(RUN_FILES.summary)).catch(() => {});
    const failed = { status: "failed" as const, metrics: summary, error: errorLine(error) };
    const marked = await summarize(failed).then(() => true, () => false);
    if (error instanceof WriteError) error.markedFailed = marked;
    progress.done("(failed)");
    throw error;
  }
  progress.done(`-> ${dir.path}`);
  return { dir: dir.path, config: run.config, summary, rows: sink.count };
}
