/**
 * Checks an output folder (`--out`) before a run writes anything: it must be a folder or a path
 * where one can be made, not a file and not below a file, on a writable file system. Errors are
 * one-line `InputError`s (exit code 2).
 * @module
 */

import { dirname, resolve } from "node:path";
import { InputError } from "./input_error.ts";
import { fsReason } from "./input_files.ts";

/**
 * Throws an `InputError` when `path` (named as `flag` in the message, default "--out") cannot hold
 * run folders: it exists as a file, a folder above it is a file, or its nearest existing folder
 * cannot be written (permission denied, read-only file system). The write test makes and removes
 * one empty temporary folder, so nothing is left behind.
 */
export async function checkOutDir(path: string, flag = "--out"): Promise<void> {
  const target = resolve(path);
  let at = target;
  for (;;) {
    let info: Deno.FileInfo | undefined;
    try {
      info = await Deno.stat(at);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!(error instanceof Deno.errors.NotFound) && code !== "ENOTDIR") {
        throw new InputError(
          `Invalid ${flag} "${path}": cannot inspect "${at}": ${fsReason(error)}`,
          { file: path, field: flag },
        );
      }
    }
    if (info !== undefined) {
      if (info.isDirectory) break;
      throw new InputError(
        at === target
          ? `Invalid ${flag} "${path}": it is a file: must be a folder or a path where one can be made`
          : `Invalid ${flag} "${path}": "${at}" on its path is a file: must be a folder or a path where one can be made`,
        { file: path, field: flag },
      );
    }
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  try {
    const probe = await Deno.makeTempDir({ dir: at, prefix: ".metaforge-write-test-" });
    await Deno.remove(probe);
  } catch (error) {
    throw new InputError(
      `Invalid ${flag} "${path}": cannot write in "${at}": ${fsReason(error)}`,
      { file: path, field: flag },
    );
  }
}
