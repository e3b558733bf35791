/**
 * Number and cell formatting shared by the Markdown report and the HTML dashboard.
 * Internal: not re-exported.
 * @module
 */

/** A table cell value: numbers are formatted, strings kept, null/undefined shown empty. */
export type Cell = number | string | boolean | null | undefined;

/** Formats a cell: integers as is, other numbers with 4 significant digits, NaN as "NaN". */
export function formatCell(value: Cell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return value;
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e6) return String(Number(value.toPrecision(4)));
  return value.toExponential(3).replace(/\.?0+e/, "e");
}

/** Column names of `rows`: the union of their keys in order of first appearance. */
export function columnsOf(rows: readonly Readonly<Record<string, unknown>>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}
