/**
 * The error of the glyph data set for bad inputs (a missing font package, an unreadable font
 * file, an output folder that is a file): one line naming the thing, exit code 2.
 * @module
 */

import { InputError } from "../../../core/input_error.ts";

/** Bad input to the glyph builder or loader: an `InputError` (one line, exit code 2). */
export class GlyphsError extends InputError {
  /** Creates the error; line breaks in `message` are joined into one line. */
  constructor(message: string, options: { file?: string } = {}) {
    super(message, options);
    this.name = "GlyphsError";
  }
}
