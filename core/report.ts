/**
 * report.md rendering: title, run information, summary, the experiment's own text sections,
 * tables, plot links (`![title](plots/name.svg)`) and the resolved config.
 * @module
 */

import { type Cell, columnsOf, formatCell } from "./_format.ts";

export type { Cell } from "./_format.ts";

/** A table: rows of cells, columns in the given order (default: union of row keys). */
export interface Table {
  /** Heading above the table. */
  title?: string;
  /** Column order (default: the union of row keys, first appearance first). */
  columns?: string[];
  /** The rows. */
  rows: Record<string, Cell>[];
}

/** A free text section provided by an experiment; `body` is Markdown. */
export interface ReportSection {
  /** Section heading. */
  title: string;
  /** Markdown text. */
  body: string;
}

/** A plot as referenced from a report or dashboard. */
export interface ReportPlot {
  /** Plot name (file `plots/<name>.svg`). */
  name: string;
  /** Caption. */
  title: string;
}

/** What both report.md and dashboard.html show of a run. */
export interface RunPageContent {
  /** Page title. */
  title: string;
  /** One paragraph under the title. */
  description?: string;
  /** Run information (experiment, scale, seed, times...). */
  info?: Record<string, Cell>;
  /** Summary metrics. */
  summary?: Record<string, Cell>;
  /** Experiment text sections (Markdown). */
  sections?: ReportSection[];
  /** Result tables. */
  tables?: Table[];
  /** The resolved config, shown as JSON. */
  config?: unknown;
}

/** Everything report.md shows. */
export interface ReportInput extends RunPageContent {
  /** Plots, linked as images. */
  plots?: ReportPlot[];
}

function escapeCell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** Renders rows as a GitHub-flavoured Markdown table (numbers formatted, pipes escaped). */
export function markdownTable(
  rows: readonly Readonly<Record<string, Cell>>[],
  columns?: readonly string[],
): string {
  const cols = columns ? [...columns] : columnsOf(rows);
  if (cols.length === 0) return "_(empty table)_\n";
  const numeric = cols.map((c) =>
    rows.some((r) => typeof r[c] === "number") &&
    rows.every((r) => r[c] === undefined || r[c] === null || typeof r[c] === "number")
  );
  const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
  const out = [
    line(cols.map(escapeCell)),
    line(numeric.map((n) => (n ? "---:" : "---"))),
    ...rows.map((row) => line(cols.map((c) => escapeCell(formatCell(row[c]))))),
  ];
  return out.join("\n") + "\n";
}

function keyValueTable(record: Readonly<Record<string, Cell>>, header: [string, string]): string {
  return markdownTable(
    Object.entries(record).map(([k, v]) => ({ [header[0]]: k, [header[1]]: formatCell(v) })),
    header,
  );
}

/** Renders report.md text from `input` (deterministic: same input, same text). */
export function renderReport(input: ReportInput): string {
  const parts: string[] = [`# ${input.title.replace(/\r?\n/g, " ")}\n`];
  if (input.description) parts.push(`${input.description.trim()}\n`);
  if (input.info && Object.keys(input.info).length > 0) {
    parts.push(`## Run\n\n${keyValueTable(input.info, ["field", "value"])}`);
  }
  if (input.summary && Object.keys(input.summary).length > 0) {
    parts.push(`## Summary\n\n${keyValueTable(input.summary, ["metric", "value"])}`);
  }
  for (const section of input.sections ?? []) {
    parts.push(`## ${section.title.replace(/\r?\n/g, " ")}\n\n${section.body.trim()}\n`);
  }
  const tables = input.tables ?? [];
  if (tables.length > 0) {
    parts.push("## Tables\n");
    for (const table of tables) {
      const heading = table.title ? `### ${table.title.replace(/\r?\n/g, " ")}\n\n` : "";
      parts.push(`${heading}${markdownTable(table.rows, table.columns)}`);
    }
  }
  const plots = input.plots ?? [];
  if (plots.length > 0) {
    parts.push("## Plots\n");
    for (const plot of plots) {
      const alt = plot.title.replace(/[\[\]\r\n]/g, " ");
      parts.push(`![${alt}](plots/${plot.name}.svg)\n`);
    }
  }
  if (input.config !== undefined) {
    parts.push(`## Config\n\n\`\`\`json\n${JSON.stringify(input.config, null, 2)}\n\`\`\`\n`);
  }
  return parts.join("\n");
}
