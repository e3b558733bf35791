/**
 * A minimal checkpoint store in a run's `checkpoint/` folder: a JSON state plus optional
 * binary blobs (parameter buffers, optimizer moments). Blobs are written first under a new
 * generation number, then `state.json` is replaced atomically: that rename is the commit, so a
 * crash at any point leaves the previous checkpoint loadable. Older blobs are removed after.
 * @module
 */

import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "./atomic.ts";
import { InputError } from "./input_error.ts";
import { readInputBytes } from "./input_files.ts";

/** A loaded checkpoint. */
export interface Checkpoint<S = unknown> {
  /** The JSON state given to `saveCheckpoint`. */
  state: S;
  /** The binary blobs given to `saveCheckpoint`, by name. */
  blobs: Record<string, Uint8Array>;
  /** ISO time of the save. */
  savedAt: string;
  /** Save counter, 1 for the first save in this folder. */
  generation: number;
}

interface Manifest {
  version: 1;
  generation: number;
  savedAt: string;
  state: unknown;
  blobs: Record<string, { file: string; bytes: number }>;
}

const STATE_FILE = "state.json";
const BLOB_NAME = /^[A-Za-z0-9_-]{1,64}$/;

async function readManifest(dir: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, STATE_FILE));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  let manifest: Manifest | undefined;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch {
    // Left undefined: reported below.
  }
  if (manifest?.version !== 1 || typeof manifest.generation !== "number") {
    throw new InputError(
      `Cannot load checkpoint as "${join(dir, STATE_FILE)}" must be a version 1 manifest (JSON)`,
      { file: join(dir, STATE_FILE) },
    );
  }
  return manifest;
}

/**
 * Saves `state` (JSON-serializable) and `blobs` (binary, by name) to `dir` crash-safely.
 * Returns the new generation number.
 */
export async function saveCheckpoint(
  dir: string,
  state: unknown,
  options: { blobs?: Record<string, Uint8Array>; now?: () => Date } = {},
): Promise<number> {
  const blobs = options.blobs ?? {};
  for (const [name, data] of Object.entries(blobs)) {
    if (!BLOB_NAME.test(name)) {
      throw new RangeError(
        `Cannot save checkpoint as blob name must match ${BLOB_NAME}: current value is ${
          JSON.stringify(name)
        }`,
      );
    }
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`Cannot save checkpoint as blob "${name}" must be a Uint8Array`);
    }
  }
  if (JSON.stringify(state) === undefined) {
    throw new TypeError("Cannot save checkpoint as state must be JSON-serializable");
  }
  await Deno.mkdir(dir, { recursive: true });
  const previous = await readManifest(dir).catch(() => undefined);
  const generation = (previous?.generation ?? 0) + 1;
  const manifest: Manifest = {
    version: 1,
    generation,
    savedAt: (options.now ?? (() => new Date()))().toISOString(),
    state,
    blobs: {},
  };
  try {
    for (const [name, data] of Object.entries(blobs)) {
      const file = `${name}.${generation}.bin`;
      manifest.blobs[name] = { file, bytes: data.byteLength };
      await writeFileAtomic(join(dir, file), data);
    }
    await writeJsonAtomic(join(dir, STATE_FILE), manifest);
  } catch (error) {
    // Not committed (disk full, ...): this generation's blobs go, the previous checkpoint stays.
    for (const { file } of Object.values(manifest.blobs)) {
      await Deno.remove(join(dir, file)).catch(() => {});
    }
    throw error;
  }
  await pruneCheckpoint(dir);
  return generation;
}

/**
 * Removes what the last committed checkpoint in `dir` does not use: blobs of other generations
 * and temporary files of interrupted writes (left by a crash or kill -9). A folder whose manifest
 * cannot be read is left alone.
 */
export async function pruneCheckpoint(dir: string): Promise<void> {
  let manifest: Manifest | undefined;
  try {
    manifest = await readManifest(dir);
  } catch {
    return;
  }
  const keep = new Set(Object.values(manifest?.blobs ?? {}).map((b) => b.file));
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return;
  }
  for (const entry of entries) {
    const stale = (entry.name.endsWith(".bin") && !keep.has(entry.name)) ||
      (entry.name.startsWith(".") && entry.name.endsWith(".tmp"));
    if (entry.isFile && stale) await Deno.remove(join(dir, entry.name)).catch(() => {});
  }
}

/** Loads the last committed checkpoint from `dir`, or undefined when there is none. */
export async function loadCheckpoint<S = unknown>(dir: string): Promise<Checkpoint<S> | undefined> {
  const manifest = await readManifest(dir);
  if (!manifest) return undefined;
  const blobs: Record<string, Uint8Array> = {};
  for (const [name, { file, bytes }] of Object.entries(manifest.blobs)) {
    const data = await readInputBytes(join(dir, file), "checkpoint blob");
    if (data.byteLength !== bytes) {
      throw new InputError(
        `Cannot load checkpoint as blob "${name}" must have ${bytes} bytes: current size is ${data.byteLength}`,
      );
    }
    blobs[name] = data;
  }
  return {
    state: manifest.state as S,
    blobs,
    savedAt: manifest.savedAt,
    generation: manifest.generation,
  };
}
