/**
 * Buffer row layouts named once in TypeScript and emitted into WGSL as `const` declarations, so a
 * kernel indexes `knobs[kb + KNOB_LR]` with the same numbers the host packs with `KNOB.lr`.
 * @module
 */
import type { WgslPart } from "./pipelines.ts";

/** A row layout: `stride` f32 per row and the offset of each named field in a row. */
export interface RowLayout {
  /** WGSL name prefix: the fields become `PREFIX_FIELD_NAME`, the stride `PREFIX_STRIDE`. */
  readonly prefix: string;
  /** Entries per row. */
  readonly stride: number;
  /** Offset of each field in a row (camelCase names). */
  readonly fields: Readonly<Record<string, number>>;
  /** The TypeScript module that defines the layout (named in the generated part). */
  readonly source: string;
}

/** The WGSL name of a field: `prefix` and the field in UPPER_SNAKE case (`clipNorm` -> `KNOB_CLIP_NORM`). */
export function wgslFieldName(prefix: string, field: string): string {
  return `${prefix}_${field.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

/**
 * The layout's WGSL part: `const PREFIX_STRIDE: u32` and one `const PREFIX_FIELD: u32` per field.
 * Throws a RangeError when a field lies outside the row or two fields share an offset.
 */
export function layoutWgsl(layout: RowLayout): WgslPart {
  const { prefix, stride, fields } = layout;
  const seen = new Map<number, string>();
  const lines = [
    `// Generated from ${layout.source}: the ${prefix} row layout (${stride} entries per row).`,
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
  return {
    file: `<generated: ${prefix} layout from ${layout.source}>`,
    code: lines.join("\n") + "\n",
  };
}
