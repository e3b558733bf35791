/**
 * Opening the folder of a run: a new one (prepared first, so nothing is written before every
 * input is checked) or one resumed from its last checkpoint.
 * @module
 */
import { join } from "node:path";
import { loadCheckpoint, pruneCheckpoint } from "./checkpoint.ts";
import { parseConfig, readConfigFile } from "./config_schema.ts";
import type { Experiment, RunExperimentOptions, RunOutcome } from "./experiment.ts";
import type { Scale } from "./experiment_registry.ts";
import { InputError } from "./input_error.ts";
import { checkSeed, type PreparedRun, prepareRun } from "./run_prepare.ts";
import { completedRun, readResumeInfo, RUN_INFO_FILE, type RunInfoFile } from "./run_info.ts";
import { type MetricRow, parseMetricsCsv, RUN_FILES, RunDir } from "./run_dir.ts";

/** The state saved by `RunContext.saveCheckpoint`, with the number of metric rows so far. */
export interface CheckpointEnvelope {
  /** Metric rows recorded when the checkpoint was saved. */
  rows: number;
  /** The experiment's state. */
  state: unknown;
}

/** The run folder and what a run starts from: its config, seed, scale, inputs and resumed rows. */
export interface OpenedRun<C, I> {
  /** The resolved config. */
  config: C;
  /** The run seed. */
  seed: number;
  /** The scale. */
  scale: Scale;
  /** The run folder. */
  dir: RunDir;
  /** The prepared inputs. */
  inputs: I | undefined;
  /** Metric rows kept from before the checkpoint (none for a new run). */
  resumedRows: MetricRow[];
  /** When the run first started (a resumed run keeps it). */
  startedAt?: Date;
}

/**
 * Opens a run folder to resume: config, seed and scale from the folder (fields in `replace` replace
 * the saved config's), the metric rows its last checkpoint had seen (later ones are dropped and
 * recomputed). A completed run is returned as is.
 */
export async function openResumedRun<C, I>(
  experiment: Experiment<C, I>,
  resume: string,
  replace: Record<string, unknown> = {},
): Promise<OpenedRun<C, I> | RunOutcome<C>> {
  const info = await readResumeInfo(resume, experiment.name);
  const seed = checkSeed(info.seed);
  const scale = info.scale;
  const configPath = join(resume, RUN_FILES.config);
  const savedConfig = await readConfigFile(configPath);
  const raw = typeof savedConfig === "object" && savedConfig !== null && !Array.isArray(savedConfig)
    ? { ...savedConfig, ...replace }
    : savedConfig;
  const config = parseConfig(experiment.schema, raw, configPath);
  const done = await completedRun(resume);
  if (done) return { dir: resume, config, ...done, alreadyComplete: true };
  const inputs = await experiment.prepare?.(config, { seed, scale });
  const dir = RunDir.open(resume);
  await pruneCheckpoint(dir.file("checkpoint"));
  const saved = await loadCheckpoint<CheckpointEnvelope>(join(resume, "checkpoint"));
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
  const resumedRows = parseMetricsCsv(complete).rows.slice(0, rows) as MetricRow[];
  if (resumedRows.length !== rows) {
    throw new InputError(
      `Cannot resume run ${resume} as metrics.csv must hold the ${rows} rows of its checkpoint: current value is ${resumedRows.length}`,
    );
  }
  await dir.writeMetrics(resumedRows);
  const first = new Date(String(info.startedAt));
  const startedAt = Number.isNaN(first.getTime()) ? undefined : first;
  return { config, seed, scale, dir, inputs, resumedRows, startedAt };
}

/** Creates a new run folder (after preparing: nothing is written before) with config.json and run.json. */
export async function createRun<C, I>(
  experiment: Experiment<C, I>,
  options: RunExperimentOptions,
  startedAt: Date,
): Promise<OpenedRun<C, I>> {
  const prepared = (options.prepared as PreparedRun<C, I> | undefined) ??
    await prepareRun(experiment, options);
  const { config, seed, scale, inputs } = prepared;
  const dir = await RunDir.create(experiment.name, {
    root: options.outDir,
    dir: options.dir,
    now: () => startedAt,
  });
  const info: RunInfoFile = {
    experiment: experiment.name,
    seed,
    scale,
    startedAt: startedAt.toISOString(),
  };
  try {
    await dir.writeConfig(config);
    await dir.writeJson(RUN_INFO_FILE, info);
  } catch (error) {
    // A folder without config.json and run.json cannot be resumed: leave nothing behind.
    await Deno.remove(dir.path, { recursive: true }).catch(() => {});
    throw error;
  }
  return { config, seed, scale, dir, inputs, resumedRows: [] };
}
