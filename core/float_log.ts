/**
 * `FloatLog`: an append-only file of fixed-width rows of float64 values (native byte order,
 * little-endian on every platform Deno runs on), for
 * histories too long to keep in memory or in a checkpoint's state.json (for example every model's
 * score at every evaluation of a long run). A checkpoint records only the row count; on resume
 * the log is cut back to that count, so rows appended after the checkpoint are dropped and
 * recomputed like metrics.csv rows. Values round-trip exactly (NaN and infinities included).
 * @module
 */

import { dirname } from "node:path";
import { InputError } from "./input_error.ts";
import { writing } from "./write_error.ts";

/** Bytes `FloatLog.sample` reads at a time. */
const SAMPLE_CHUNK_BYTES = 1 << 20;

/** An append-only float64 row log on disk (see the module doc). */
export class FloatLog {
  #path: string;
  #width: number;
  #rows: number;

  private constructor(path: string, width: number, rows: number) {
    this.#path = path;
    this.#width = width;
    this.#rows = rows;
  }

  /**
   * Opens the log at `path` with rows of `width` values, keeping its first `keep` rows (0 for a
   * new run: the file is emptied). Throws an `InputError` when the file holds fewer rows.
   */
  static async open(path: string, width: number, keep: number): Promise<FloatLog> {
    if (!Number.isInteger(width) || width < 1 || !Number.isInteger(keep) || keep < 0) {
      throw new RangeError(
        `Cannot open float log as width must be >= 1 and keep >= 0: current values are ${width}, ${keep}`,
      );
    }
    const bytes = keep * width * 8;
    await writing(path, async () => {
      await Deno.mkdir(dirname(path), { recursive: true });
      if (keep === 0) {
        await Deno.writeFile(path, new Uint8Array());
        return;
      }
      const size = (await Deno.stat(path).catch(() => undefined))?.size ?? 0;
      if (size < bytes) {
        throw new InputError(
          `Cannot resume as "${path}" must hold the ${keep} rows of its checkpoint: current size is ${size} bytes, ${bytes} needed`,
          { file: path },
        );
      }
      await Deno.truncate(path, bytes);
    });
    return new FloatLog(path, width, keep);
  }

  /** Rows in the log. */
  get rows(): number {
    return this.#rows;
  }

  /** Appends one row of exactly `width` values. */
  async append(values: ArrayLike<number>): Promise<void> {
    if (values.length !== this.#width) {
      throw new RangeError(
        `Cannot append to float log as a row must have ${this.#width} values: current length is ${values.length}`,
      );
    }
    const bytes = new Uint8Array(new Float64Array(values).buffer);
    await writing(this.#path, () => Deno.writeFile(this.#path, bytes, { append: true }));
    this.#rows++;
  }

  /**
   * At most `max` rows (>= 2), evenly spaced over the log with the first and the last included
   * (every row when the log holds no more than `max`), read in chunks so that memory stays bounded
   * by `max` rows however long the log is; each with its row index.
   */
  async sample(max: number): Promise<{ index: number; values: Float64Array }[]> {
    if (!Number.isInteger(max) || max < 2) {
      throw new RangeError(
        `Cannot sample float log as max must be an integer >= 2: current value is ${max}`,
      );
    }
    const n = this.#rows;
    const picks = n <= max
      ? Array.from({ length: n }, (_, i) => i)
      : [...new Set(Array.from({ length: max }, (_, i) => Math.round((i * (n - 1)) / (max - 1))))];
    const out: { index: number; values: Float64Array }[] = [];
    const rowBytes = this.#width * 8;
    const chunkRows = Math.max(1, Math.floor(SAMPLE_CHUNK_BYTES / rowBytes));
    using file = await Deno.open(this.#path, { read: true });
    let k = 0;
    for (let first = 0; first < n && k < picks.length; first += chunkRows) {
      const rows = Math.min(chunkRows, n - first);
      if (picks[k]! >= first + rows) continue;
      const buf = new Uint8Array(rows * rowBytes);
      await file.seek(first * rowBytes, Deno.SeekMode.Start);
      for (let got = 0; got < buf.length;) {
        const r = await file.read(buf.subarray(got));
        if (r === null) {
          throw new InputError(
            `Cannot read "${this.#path}" as it ends before row ${first + rows}`,
            { file: this.#path },
          );
        }
        got += r;
      }
      const all = new Float64Array(buf.buffer);
      for (; k < picks.length && picks[k]! < first + rows; k++) {
        const r = picks[k]! - first;
        out.push({ index: picks[k]!, values: all.slice(r * this.#width, (r + 1) * this.#width) });
      }
    }
    return out;
  }

  /** Reads every row back (row-major). */
  async readAll(): Promise<Float64Array[]> {
    const data = (await Deno.readFile(this.#path)).slice(0, this.#rows * this.#width * 8);
    const all = new Float64Array(data.buffer);
    return Array.from(
      { length: this.#rows },
      (_, r) => all.slice(r * this.#width, (r + 1) * this.#width),
    );
  }
}
