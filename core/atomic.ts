/**
 * Atomic file writes: the data goes to a temporary file in the same folder, is flushed to disk,
 * and is renamed over the target, so a reader sees either the old file or the new one, never a
 * torn mix. A failed write removes its temporary file and leaves the old file intact.
 * @module
 */

import { basename, dirname, join } from "node:path";
import { writing } from "./write_error.ts";

let counter = 0;

function tempPathFor(path: string): string {
  counter = (counter + 1) % 1_000_000;
  const tag = `${Deno.pid}-${Date.now().toString(36)}-${counter}`;
  return join(dirname(path), `.${basename(path)}.${tag}.tmp`);
}

async function syncFolder(folder: string): Promise<void> {
  // Makes the rename durable where the platform allows opening a folder (Linux, macOS).
  try {
    using dir = await Deno.open(folder, { read: true });
    await dir.sync();
  } catch {
    // Windows and some file systems cannot open or fsync a folder: the rename is still atomic.
  }
}

/**
 * Writes `data` to `path` atomically (temp file in the same folder, fsync, rename). A failure (disk
 * full, read-only file system, ...) is a `WriteError` naming `path`; the old file stays intact.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(
      `Cannot write file as path must be a non-empty string: current value is ${
        JSON.stringify(path)
      }`,
    );
  }
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const temp = tempPathFor(path);
  await writing(path, () => writeThenRename(temp, path, bytes));
  await syncFolder(dirname(path));
}

async function writeThenRename(temp: string, path: string, bytes: Uint8Array): Promise<void> {
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** Writes `value` as pretty JSON (2 spaces, final newline) to `path` atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) {
    throw new TypeError(`Cannot write JSON to "${path}" as the value is not serializable`);
  }
  await writeFileAtomic(path, text + "\n");
}
