/**
 * `DeviceLostError`: the WebGPU device was lost in the middle of a run (driver reset, GPU removed,
 * `device.destroy()`). Its message is one line with the reason; the command line prints it without
 * a stack trace and exits with code 75 (EX_TEMPFAIL). The run is marked failed and keeps its last
 * checkpoint (the state of a lost device cannot be read, so nothing after it is saved), so it can
 * be resumed on a new device or on the CPU twin (`--resume RUN_DIR --backend cpu`).
 * @module
 */

/** The GPU device was lost during a run: one line with the reason; exit code 75. */
export class DeviceLostError extends Error {
  /** Process exit code a command line should use (75, EX_TEMPFAIL). */
  readonly exitCode = 75;
  /** The run folder it belongs to, to resume ("" when unknown; the runner fills it in). */
  runDir = "";
  /** Whether the runner could mark the run failed in summary.json. */
  markedFailed = false;

  /** Creates the error for a loss noticed during `where`, with the device's `reason`. */
  constructor(where: string, reason: string) {
    super(`GPU device lost during ${where} (${reason})`);
    this.name = "DeviceLostError";
  }
}
