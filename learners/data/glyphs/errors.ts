/**
 * The error of the glyph data set for bad inputs (a missing font package, an unreadable font
 * file, an output folder that is a file): one line naming the thing, exit code 2.
 * @module
 */

/** Bad input to the glyph builder or loader; the message is one line, `exitCode` is 2. */
export class GlyphsError extends Error {
  /** Process exit code a command line should use. */
  readonly exitCode = 2;

  /** Creates the error; `message` must be one line. */
  constructor(message: string) {
    super(message);
    this.name = "GlyphsError";
  }
}
