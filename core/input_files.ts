/**
 * Reading user input files (data sets, strategies, learned optimizers, configs) with errors a user
 * can act on: every failure is an `InputError` whose one line names the file, says what is wrong
 * ("file not found", "it is a folder", "invalid JSON at line 3 column 7") and what the file must be.
 * @module
 */

import { locateJsonError } from "./_json_error.ts";
import { errorLine, InputError } from "./input_error.ts";

const REASONS: Record<string, string> = {
  ENOENT: "not found",
  EISDIR: "it is a folder",
  ENOTDIR: "a folder on its path is a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EIO: "input/output error",
};

/**
 * Why a file operation failed, in words ("not found", "it is a folder", "read-only file system",
 * "no space left on device"), from the error's code; else its first line without Deno's
 * "(os error N): op 'path'" tail.
 */
export function fsReason(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && code in REASONS) return REASONS[code]!;
  if (error instanceof Deno.errors.NotFound) return "not found";
  if (error instanceof Deno.errors.IsADirectory) return REASONS.EISDIR!;
  if (error instanceof Deno.errors.PermissionDenied) return REASONS.EACCES!;
  if (error instanceof Deno.errors.NotADirectory) return REASONS.ENOTDIR!;
  return errorLine(error).replace(/\s*\(os error \d+\).*$/, "").toLowerCase();
}

/** Reads a whole input file; `what` says what it must be ("an IDX file"), named in errors. */
export async function readInputBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw new InputError(`Cannot read ${what} "${path}": ${fsReason(error)}`, { file: path });
  }
}

/** Reads an input file as UTF-8 text (a byte-order mark is dropped). */
export async function readInputText(path: string, what: string): Promise<string> {
  const bytes = await readInputBytes(path, what);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`Cannot read ${what} "${path}": it must be UTF-8 text`, { file: path });
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses JSON text of an input file; the error gives the line and column of the first problem. */
export function parseInputJson(text: string, path: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const at = locateJsonError(text);
    const detail = at ? `${at.reason} at line ${at.line} column ${at.column}` : errorLine(error);
    throw new InputError(`Cannot parse ${what} "${path}" as JSON: ${detail}`, { file: path });
  }
}

/** Reads and parses a JSON input file. */
export async function readInputJson(path: string, what: string): Promise<unknown> {
  return parseInputJson(await readInputText(path, what), path, what);
}
