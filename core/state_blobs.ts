/**
 * Moves the large typed arrays of a checkpoint state into binary blobs, so state.json stays small
 * and a mid-phase save of parameters (a meta-learner's theta and Adam moments: hundreds of
 * thousands of floats) writes their bytes, not their decimal text. `splitBlobs` replaces each typed
 * array of at least `BLOB_MIN_LENGTH` entries by a marker `{"$blob": "s3", "$type": "Float32Array"}`
 * and returns the bytes by blob name; `joinBlobs` puts them back. Bytes are in the platform's
 * order (little-endian on every platform Deno runs on), so values round-trip exactly.
 * @module
 */

import { TYPED_ARRAYS as TYPED } from "./exact_json.ts";
import { InputError } from "./input_error.ts";

/** Typed arrays shorter than this stay in the JSON state. */
export const BLOB_MIN_LENGTH = 256;

type TypedName = keyof typeof TYPED;

/** A state with its large typed arrays replaced by markers, and their bytes by blob name. */
export interface SplitState {
  /** The state with markers in place of the large typed arrays. */
  state: unknown;
  /** The bytes of each replaced array, by blob name (`s0`, `s1`, ...). */
  blobs: Record<string, Uint8Array>;
}

/** Replaces every typed array of `value` with at least BLOB_MIN_LENGTH entries by a blob marker. */
export function splitBlobs(value: unknown): SplitState {
  const blobs: Record<string, Uint8Array> = {};
  const walk = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v) && v.constructor.name in TYPED) {
      const a = v as unknown as ArrayLike<number> & ArrayBufferView;
      if (a.length < BLOB_MIN_LENGTH) return v;
      const name = `s${Object.keys(blobs).length}`;
      blobs[name] = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
      return { $blob: name, $type: v.constructor.name };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object" && !ArrayBuffer.isView(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return { state: walk(value), blobs };
}

/**
 * Puts back the typed arrays `splitBlobs` replaced, from `blobs`; throws an InputError naming the
 * blob when one is missing or has a size its type cannot hold.
 */
export function joinBlobs(value: unknown, blobs: Record<string, Uint8Array>): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return v;
    const o = v as Record<string, unknown>;
    if (typeof o.$blob === "string" && typeof o.$type === "string" && o.$type in TYPED) {
      const Typed = TYPED[o.$type as TypedName];
      const bytes = blobs[o.$blob];
      if (!bytes || bytes.byteLength % Typed.BYTES_PER_ELEMENT !== 0) {
        throw new InputError(
          `Cannot resume as checkpoint blob "${o.$blob}" must hold a ${o.$type}: current size is ${
            bytes?.byteLength ?? "missing"
          }`,
        );
      }
      const copy = bytes.slice();
      return new Typed(copy.buffer, 0, copy.byteLength / Typed.BYTES_PER_ELEMENT);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
  };
  return walk(value);
}
