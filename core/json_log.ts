/**
 * `JsonLog`: an append-only file of JSON values, one per line in exact JSON (core/exact_json.ts),
 * for histories of structured records too long to rewrite in a checkpoint's state.json at every
 * save (for example every meta-generation's row and scored genomes). Like `FloatLog`, a checkpoint
 * records only the line count; on resume the log is cut back to it, so lines appended after the
 * checkpoint are dropped and recomputed.
 * @module
 */

import { dirname } from "node:path";
import { fromExactJson, toExactJson } from "./exact_json.ts";
import { InputError } from "./input_error.ts";
import { writing } from "./write_error.ts";

/** An append-only log of JSON lines on disk (see the module doc). */
export class JsonLog<T> {
  #path: string;
  #lines: number;

  private constructor(path: string, lines: number) {
    this.#path = path;
    this.#lines = lines;
  }

  /**
   * Opens the log at `path` keeping its first `keep` lines (0 for a new run: the file is emptied).
   * Throws an `InputError` when the file holds fewer complete lines.
   */
  static async open<T>(path: string, keep: number): Promise<JsonLog<T>> {
    if (!Number.isInteger(keep) || keep < 0) {
      throw new RangeError(`Cannot open JSON log as keep must be >= 0: current value is ${keep}`);
    }
    await writing(path, async () => {
      await Deno.mkdir(dirname(path), { recursive: true });
      if (keep === 0) return await Deno.writeFile(path, new Uint8Array());
      const bytes = await Deno.readFile(path).catch(() => new Uint8Array());
      let end = 0;
      for (let n = 0; n < keep; n++) {
        const nl = bytes.indexOf(10, end);
        if (nl < 0) {
          throw new InputError(
            `Cannot resume as "${path}" must hold the ${keep} lines of its checkpoint: current count is ${n}`,
            { file: path },
          );
        }
        end = nl + 1;
      }
      await Deno.truncate(path, end);
    });
    return new JsonLog<T>(path, keep);
  }

  /** Lines in the log. */
  get lines(): number {
    return this.#lines;
  }

  /** Appends one value as a line. */
  async append(value: T): Promise<void> {
    const line = new TextEncoder().encode(`${JSON.stringify(toExactJson(value))}\n`);
    await writing(this.#path, () => Deno.writeFile(this.#path, line, { append: true }));
    this.#lines++;
  }

  /** Reads every value back, in order. */
  async readAll(): Promise<T[]> {
    const text = await Deno.readTextFile(this.#path);
    return text.split("\n").slice(0, this.#lines).map((l) => fromExactJson(JSON.parse(l)) as T);
  }
}
