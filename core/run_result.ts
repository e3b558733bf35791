/**
 * What a finished run writes from its experiment's result: result.json (title, tables, plot specs,
 * sections) and the default summary metrics (the numeric fields of the last metrics row).
 * @module
 */

import type { Experiment, ExperimentResult } from "./experiment.ts";
import type { PlotSpec } from "./plots.ts";
import type { ResultFile } from "./render_run.ts";
import type { Cell } from "./report.ts";
import type { MetricRow } from "./run_dir.ts";

/** result.json of a run: the experiment's result with SVG strings wrapped as plot specs. */
export function toResultFile(
  experiment: Experiment<unknown>,
  result: ExperimentResult,
): ResultFile {
  const plots: Record<string, PlotSpec> = {};
  for (const [name, plot] of Object.entries(result.plots ?? {})) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
      throw new RangeError(
        `Cannot save plot as name must be a file name: current value is ${JSON.stringify(name)}`,
      );
    }
    plots[name] = typeof plot === "string" ? { kind: "svg", title: name, svg: plot } : plot;
  }
  return {
    title: result.title ?? experiment.name,
    description: experiment.description,
    tables: result.tables ?? [],
    plots,
    sections: result.sections ?? [],
  };
}

/** Summary metrics "final <key>" from the numeric fields of the last metrics row. */
export function defaultSummary(last: MetricRow | undefined): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const [key, value] of Object.entries(last ?? {})) {
    if (typeof value === "number") out[`final ${key}`] = value;
  }
  return out;
}
