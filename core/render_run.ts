/**
 * Rendering a run folder: plots/*.svg, report.md and dashboard.html from its files alone
 * (config.json, summary.json, result.json, metrics.csv), byte-identical for the same files.
 * @module
 */

import { InputError } from "./input_error.ts";
import { readInputJson } from "./input_files.ts";
import { join } from "node:path";
import { renderDashboard } from "./dashboard.ts";
import type { Scale } from "./experiment.ts";
import { type PlotSpec, renderPlot } from "./plots.ts";
import { type Cell, renderReport, type ReportSection, type Table } from "./report.ts";
import { readRun, RUN_FILES, RunDir } from "./run_dir.ts";

/** File, in the run folder, holding the result data that plots/report/dashboard render from. */
export const RESULT_FILE = "result.json";

/** Files `renderRun` wrote, relative to the run folder. */
export interface RenderedRun {
  /** Relative paths, in write order. */
  files: string[];
}

/** Contents of summary.json. */
export interface RunSummaryFile {
  /** Experiment name. */
  experiment: string;
  /** Experiment description. */
  description: string;
  /** Scale. */
  scale: Scale;
  /** Seed. */
  seed: number;
  /** "completed" or "failed". */
  status: "completed" | "failed" | "interrupted";
  /** Error message when failed. */
  error?: string;
  /** ISO start time. */
  startedAt: string;
  /** ISO end time. */
  finishedAt: string;
  /** Wall time in seconds. */
  durationSeconds: number;
  /** Number of metric rows. */
  rows: number;
  /** Summary metrics. */
  metrics: Record<string, Cell>;
}

/** Contents of result.json: what the plots, report and dashboard render from. */
export interface ResultFile {
  /** Report title. */
  title: string;
  /** The experiment's description. */
  description: string;
  /** Result tables. */
  tables: Table[];
  /** Plot specs by name. */
  plots: Record<string, PlotSpec>;
  /** Markdown sections. */
  sections: ReportSection[];
}

function asSummaryFile(value: unknown, path: string): RunSummaryFile {
  if (value === null || typeof value !== "object") {
    throw new InputError(
      `Cannot render run as "${join(path, RUN_FILES.summary)}" must hold an object`,
      { file: join(path, RUN_FILES.summary) },
    );
  }
  return value as RunSummaryFile;
}

/**
 * Renders plots/*.svg, report.md and dashboard.html from a run folder's files (config.json,
 * summary.json, result.json, metrics.csv) without recomputing; the output is byte-identical
 * for the same files. Plot kinds added with `registerPlotKind` must be registered first.
 */
export async function renderRun(path: string): Promise<RenderedRun> {
  const data = await readRun(path);
  // A run that has not finished (or a folder that is no run) has no result.json.
  const result = await readInputJson(
    join(path, RESULT_FILE),
    "the result of a finished run",
  ) as ResultFile;
  const summary = asSummaryFile(data.summary, path);
  const dir = RunDir.open(path);
  const files: string[] = [];
  const plots: { name: string; title: string; svg: string }[] = [];
  for (const [name, spec] of Object.entries(result.plots ?? {})) {
    const svg = renderPlot(spec);
    await dir.writePlot(name, svg);
    files.push(`${RUN_FILES.plots}/${name}.svg`);
    plots.push({ name, title: typeof spec.title === "string" ? spec.title : name, svg });
  }
  const info: Record<string, Cell> = {
    experiment: summary.experiment,
    scale: summary.scale,
    seed: summary.seed,
    status: summary.status,
    ...(summary.error === undefined ? {} : { error: summary.error }),
    started: summary.startedAt,
    duration: `${summary.durationSeconds} s`,
    "metric rows": summary.rows,
  };
  // What the report and the dashboard both show.
  const shared = {
    title: result.title,
    description: result.description,
    info,
    summary: summary.metrics,
    sections: result.sections,
    tables: result.tables,
  };
  await dir.writeReport(renderReport({
    ...shared,
    plots: plots.map(({ name, title }) => ({ name, title })),
    config: data.config,
  }));
  files.push(RUN_FILES.report);
  const tail = data.metrics.slice(-10);
  await dir.writeDashboard(renderDashboard({
    ...shared,
    plots,
    metricsTail: {
      title: `Metrics (last ${tail.length} of ${data.metrics.length} rows)`,
      columns: data.columns,
      rows: tail,
    },
    config: data.config,
  }));
  files.push(RUN_FILES.dashboard);
  return { files };
}
