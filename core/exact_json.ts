/**
 * JSON that gives back exactly what was saved, for checkpoints: plain JSON turns NaN and the
 * infinities into null, -0 into 0 and `undefined` array entries into null, so a run resumed from
 * it could compute something else. `toExactJson` replaces those values by small marker objects
 * (`{"$num": "NaN"}`, `{"$num": "-0"}`, `{"$undefined": true}`) and `fromExactJson` restores them.
 * Typed arrays of numbers become `{"$typed": "Float32Array", "values": [...]}` (each value exact).
 * Otherwise only plain objects, arrays, strings, booleans, null and numbers are supported.
 * @module
 */

const NUMBERS: Record<string, number> = { NaN, Infinity, "-Infinity": -Infinity, "-0": -0 };

/** The typed arrays of numbers that exact JSON encodes, by constructor name. */
export const TYPED_ARRAYS = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
} as const;
const TYPED = TYPED_ARRAYS;

/** A JSON-safe copy of `value` with non-finite numbers, -0 and undefined array entries marked. */
export function toExactJson(value: unknown): unknown {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return { $num: "NaN" };
    if (value === Infinity) return { $num: "Infinity" };
    if (value === -Infinity) return { $num: "-Infinity" };
    if (Object.is(value, -0)) return { $num: "-0" };
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((v) => (v === undefined ? { $undefined: true } : toExactJson(v)));
  }
  if (value !== null && typeof value === "object") {
    if (ArrayBuffer.isView(value)) {
      const name = value.constructor.name;
      if (!(name in TYPED)) {
        throw new TypeError(
          `Cannot encode exact JSON as typed arrays must hold numbers: current type is ${name}`,
        );
      }
      return { $typed: name, values: Array.from(value as Float64Array, toExactJson) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toExactJson(v);
    return out;
  }
  return value;
}

/** Restores a value encoded by `toExactJson`. */
export function fromExactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromExactJson);
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$num === "string" && o.$num in NUMBERS) {
      return NUMBERS[o.$num];
    }
    if (keys.length === 1 && o.$undefined === true) return undefined;
    if (keys.length === 2 && typeof o.$typed === "string" && Array.isArray(o.values)) {
      const Typed = TYPED[o.$typed as keyof typeof TYPED];
      if (Typed) return Typed.from(o.values.map(fromExactJson) as number[]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = fromExactJson(v);
    return out;
  }
  return value;
}
