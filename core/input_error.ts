/**
 * `InputError`: the one error type for bad input a user can fix (flags, config, data files,
 * strategies files, learned optimizers, WGSL, the output folder). Its message is one line that
 * names the file or field, what is wrong and what is allowed. The command line catches it once,
 * prints the line and exits with code 2; every other error is a bug and gets a stack trace.
 *
 * Inputs are read and validated before a run folder exists, so an `InputError` leaves nothing
 * written.
 * @module
 */

/** Bad user input: a one-line message naming the file or field; the command line exits with 2. */
export class InputError extends Error {
  /** Process exit code a command line should use. */
  readonly exitCode: number = 2;
  /** The file or folder at fault ("" when the input is not a file). */
  readonly file: string;
  /** Dotted path of the offending field ("" for a whole file or a flag). */
  readonly field: string;

  /** Creates an input error; line breaks in `message` are joined into one line. */
  constructor(message: string, options: { file?: string; field?: string; cause?: unknown } = {}) {
    super(oneLine(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "InputError";
    this.file = options.file ?? "";
    this.field = options.field ?? "";
  }
}

/** The first line of an error's message (or of `String(value)`), whitespace runs collapsed. */
export function errorLine(value: unknown): string {
  const text = value instanceof Error ? value.message : String(value);
  return oneLine(text.split("\n")[0] ?? "");
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
