/**
 * Number and cell formatting shared by the Markdown report and the HTML dashboard.
 * Internal: not re-exported.
 * @module
 */
import { formatNumber } from "./format.ts";

/** A table cell value: numbers are formatted, strings kept, null/undefined shown empty. */
export type Cell = number | string | boolean | null | undefined;

/** Formats a cell: integers as is, other numbers with 4 significant digits, NaN as "NaN". */
export function formatCell(value: Cell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return value;
  return formatNumber(value);
}

/** Column names of `rows`: the union of their keys in order of first appearance. */
export function columnsOf(rows: readonly Readonly<Record<string, unknown>>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}
