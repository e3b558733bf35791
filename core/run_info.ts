/**
 * run.json: the file that names a run folder's experiment, seed and scale, so that the run can be
 * resumed (core/experiment.ts writes it when a run starts and reads it on --resume).
 * @module
 */
import { join } from "node:path";
import { ConfigError } from "./config_schema.ts";
import type { Scale } from "./experiment_registry.ts";
import type { Cell } from "./report.ts";

/** File name of run.json (experiment, seed, scale), written when a run starts. */
export const RUN_INFO_FILE = "run.json";

/** Reads run.json of a run folder to resume, checking it belongs to `name`. */
export async function readResumeInfo(path: string, name: string): Promise<RunInfoFile> {
  let info: RunInfoFile;
  try {
    info = JSON.parse(await Deno.readTextFile(join(path, RUN_INFO_FILE)));
  } catch (error) {
    throw new ConfigError(
      `Cannot resume ${path} as it must be a run folder with ${RUN_INFO_FILE}: ${
        (error as Error).message.split("\n")[0]
      }`,
      { field: "resume", source: path },
    );
  }
  if (info.experiment !== name) {
    throw new ConfigError(
      `Cannot resume ${path} with experiment "${name}" as the folder belongs to "${info.experiment}"`,
      { field: "resume", source: path },
    );
  }
  return info;
}

/**
 * The summary metrics and row count of a run folder whose summary.json says "completed", or
 * undefined when the run is not complete (still running, killed, failed or interrupted).
 */
export async function completedRun(
  path: string,
): Promise<{ summary: Record<string, Cell>; rows: number } | undefined> {
  let summary: { status?: unknown; metrics?: unknown; rows?: unknown };
  try {
    summary = JSON.parse(await Deno.readTextFile(join(path, "summary.json")));
  } catch {
    return undefined;
  }
  if (summary?.status !== "completed") return undefined;
  return {
    summary: (summary.metrics ?? {}) as Record<string, Cell>,
    rows: typeof summary.rows === "number" ? summary.rows : 0,
  };
}

/** run.json: what a run folder needs to be resumed. */
export interface RunInfoFile {
  experiment: string;
  seed: number;
  scale: Scale;
  /** ISO time the run first started (kept by --resume; absent in older run folders). */
  startedAt?: string;
}
