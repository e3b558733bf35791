/**
 * The lines the command line prints when a run stops early: on a signal, a write error or a lost
 * GPU device (one line with the resume command), or on a bug (the stack trace and where to report).
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RunInterrupted } from "../core/run_stop.ts";
import type { WriteError } from "../core/write_error.ts";
import { DeviceLostError } from "../core/device_lost.ts";

/**
 * The one line printed when a run stops on a signal, a write error or a lost GPU device, with the
 * resume command.
 */
export function stopMessage(e: RunInterrupted | WriteError | DeviceLostError): string {
  if (!e.runDir) return e.message;
  const kept = existsSync(join(e.runDir, "checkpoint", "state.json"))
    ? "keeps its last checkpoint"
    : "has no checkpoint yet (resuming starts it over)";
  const resume = `resume with: deno task train --resume ${e.runDir}`;
  if (e instanceof RunInterrupted) return `interrupted by ${e.signal}; the run ${kept}; ${resume}`;
  const marked = e.markedFailed
    ? "is marked failed"
    : "could not be marked failed (no summary.json)";
  if (e instanceof DeviceLostError) {
    return `${e.message}; the run ${marked} and ${kept}; ${resume} (add --backend cpu for the CPU twin)`;
  }
  return `${e.message}; the run ${marked} and ${kept}; once that is fixed, ${resume}`;
}

/**
 * Prints an error that is not an input error (a bug) with its stack trace and a line saying so and
 * where to report it; returns the exit code, 70 (EX_SOFTWARE).
 */
export function reportBug(error: unknown): number {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  console.error(
    "metaforge: internal error: this is a bug in metaforge, not a problem with your input; " +
      "please report it on the metaforge issue tracker with the command you ran and the trace above",
  );
  return 70;
}
