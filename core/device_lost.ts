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

/** Losses of the live devices of this process, by owner (a deliberate destroy forgets its owner). */
const watched = new Map<object, Promise<string>>();
/** The reasons of watched devices that were lost, by owner. */
const lostReasons = new Map<object, string>();

/** Watches a live device: `lost` resolves with the reason when it is lost. */
export function watchDeviceLoss(owner: object, lost: Promise<string>): void {
  watched.set(owner, lost);
  lost.then((reason) => {
    if (watched.has(owner)) lostReasons.set(owner, reason);
  });
}

/** Stops watching a device that is about to be destroyed on purpose. */
export function forgetDevice(owner: object): void {
  watched.delete(owner);
  lostReasons.delete(owner);
}

/**
 * `error` as a `DeviceLostError` when a watched device was lost (a lost device can make a WebGPU
 * call throw its own error before the loss is reported, so this waits up to `ms` for the report),
 * else `error` unchanged.
 */
export async function asDeviceLoss(error: unknown, where: string, ms = 200): Promise<unknown> {
  if (error instanceof DeviceLostError || watched.size === 0) return error;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.race([...watched.values()]),
    new Promise((r) => (timer = setTimeout(r, ms))),
  ]);
  clearTimeout(timer);
  await Promise.resolve();
  const [reason] = lostReasons.values();
  return reason === undefined ? error : new DeviceLostError(where, reason);
}
