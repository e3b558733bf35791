/**
 * `WriteError`: a file of a run could not be written (disk full, quota, read-only file system,
 * I/O error). Its message is one line naming the path and the reason; the command line prints it
 * without a stack trace and exits with code 74 (EX_IOERR). The run is marked failed and keeps
 * its last checkpoint, so it can be resumed once the problem is fixed.
 * @module
 */

import { fsReason } from "./input_files.ts";

/** A failed write of a run file: one line naming the path and the reason; exit code 74. */
export class WriteError extends Error {
  /** Process exit code a command line should use (74, EX_IOERR). */
  readonly exitCode = 74;
  /** The file that could not be written. */
  readonly path: string;
  /** The run folder it belongs to, to resume ("" when unknown; the runner fills it in). */
  runDir = "";
  /** Whether the runner could mark the run failed in summary.json (the disk may be too full). */
  markedFailed = false;

  /** Wraps the error `cause` of writing `path`. */
  constructor(path: string, cause: unknown) {
    super(`Cannot write "${path}": ${fsReason(cause)}`, { cause });
    this.name = "WriteError";
    this.path = path;
  }
}

/** Runs a write of `path`, turning a file-system error into a `WriteError` naming the path. */
export async function writing<T>(path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof WriteError || !isFsError(error)) throw error;
    throw new WriteError(path, error);
  }
}

function isFsError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.NotADirectory || error instanceof Deno.errors.IsADirectory ||
    (typeof code === "string" && /^E[A-Z]+$/.test(code));
}
