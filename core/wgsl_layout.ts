/**
 * Buffer row layouts named once in TypeScript and emitted into WGSL as `const` declarations, so a
 * kernel indexes `knobs[kb + KNOB_LR]` with the same numbers the host packs with `KNOB.lr`.
 * @module
 */
import type { WgslPart } from "./pipelines.ts";

/** A row layout: `stride` entries per row, the offset of each named field, and its WGSL part. */
export interface RowLayout<F extends Record<string, number> = Record<string, number>> {
  /** WGSL name prefix: the fields become `PREFIX_FIELD_NAME`, the stride `PREFIX_STRIDE`. */
  readonly prefix: string;
  /** Entries per row. */
  readonly stride: number;
  /** Offset of each field in a row (camelCase names). */
  readonly fields: Readonly<F>;
  /** The layout as WGSL `const` declarations, for the kernels that index such rows. */
  readonly wgsl: WgslPart;
}

/** The WGSL name of a field: `prefix` and the field in UPPER_SNAKE case (`clipNorm` -> `KNOB_CLIP_NORM`). */
export function wgslFieldName(prefix: string, field: string): string {
  return `${prefix}_${field.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

/**
 * A row layout and its WGSL part: `const PREFIX_STRIDE: u32` and one `const PREFIX_FIELD: u32` per
 * field; `source` (the defining module) is named in the part. Throws a RangeError when a field
 * lies outside the row or two fields share an offset.
 */
export function rowLayout<F extends Record<string, number>>(
  prefix: string,
  fields: Readonly<F>,
  options: { stride: number; source: string },
): RowLayout<F> {
  const { stride, source } = options;
  const seen = new Map<number, string>();
  const lines = [
    `// Generated from ${source}: the ${prefix} row layout (${stride} entries per row).`,
    `const ${prefix}_STRIDE: u32 = ${stride}u;`,
  ];
  for (const [name, offset] of Object.entries(fields)) {
    if (!Number.isInteger(offset) || offset < 0 || offset >= stride) {
      throw new RangeError(
        `Invalid layout ${prefix}.${name}: offset must be an integer in [0, ${
          stride - 1
        }]: current value is ${offset}`,
      );
    }
    const other = seen.get(offset);
    if (other !== undefined) {
      throw new RangeError(
        `Invalid layout ${prefix}.${name}: offset ${offset} is already used by ${other}`,
      );
    }
    seen.set(offset, name);
    lines.push(`const ${wgslFieldName(prefix, name)}: u32 = ${offset}u;`);
  }
  const wgsl = {
    file: `<generated: ${prefix} layout from ${source}>`,
    code: lines.join("\n") + "\n",
  };
  return { prefix, stride, fields, wgsl };
}
