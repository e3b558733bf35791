/**
 * dashboard.html: one self-contained HTML5 page per run (no external URLs, no network; a
 * Content-Security-Policy forbids any). It shows the run information, summary, the experiment's
 * sections and tables (sortable by a click on a header, a few lines of inline JS), every plot
 * as inline SVG, the last metrics rows and the resolved config as pretty JSON.
 * @module
 */

import { type Cell, columnsOf, formatCell } from "./_format.ts";
import { escapeHtml, markdownToHtml } from "./_markdown.ts";
import type { RunPageContent, Table } from "./report.ts";

/** A plot already rendered to SVG, to be inlined. */
export interface DashboardPlot {
  /** Plot name (file `plots/<name>.svg`). */
  name: string;
  /** Caption. */
  title: string;
  /** The SVG document text. */
  svg: string;
}

/** Everything dashboard.html shows. */
export interface DashboardInput extends RunPageContent {
  /** Inline plots. */
  plots?: DashboardPlot[];
  /** The last metrics rows, newest last. */
  metricsTail?: Table;
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
header { background: #1d2330; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: .85; }
main { padding: 20px 28px 40px; max-width: 1280px; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 14px 18px; margin: 0 0 18px; }
h2 { font-size: 17px; margin: 0 0 10px; }
h3 { font-size: 15px; margin: 14px 0 8px; }
table { border-collapse: collapse; margin: 4px 0 10px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #dde1e7; padding: 4px 10px; text-align: left; }
td.num { text-align: right; }
thead th { background: #eef1f5; }
table.sortable thead th { cursor: pointer; user-select: none; }
table.sortable thead th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.sortable thead th[aria-sort="descending"]::after { content: " \\25BC"; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
figure { margin: 0; }
figure svg { width: 100%; height: auto; border: 1px solid #eceef2; }
figcaption { font-size: 12px; color: #556; margin-top: 4px; }
pre { background: #f0f2f5; padding: 10px; overflow: auto; font-size: 12px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
nav a { color: #9cc3ff; margin-right: 14px; }
`.trim();

const SCRIPT = `
(function () {
  "use strict";
  function key(cell) {
    var text = cell.textContent.trim();
    var n = Number(text);
    return text !== "" && !isNaN(n) ? { n: n, s: text } : { n: NaN, s: text };
  }
  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    if (!body) return;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) headers[i].removeAttribute("aria-sort");
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index] || a), y = key(b.cells[index] || b);
      var c = !isNaN(x.n) && !isNaN(y.n) ? x.n - y.n : x.s.localeCompare(y.s);
      return ascending ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    if (!table.tHead) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.addEventListener("click", function () { sortBy(table, index, th); });
    });
  });
})();
`.trim();

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; " +
  "img-src data:; base-uri 'none'; form-action 'none'";

function tableHtml(
  rows: readonly Readonly<Record<string, Cell>>[],
  columns?: readonly string[],
  sortable = true,
): string {
  const cols = columns ? [...columns] : columnsOf(rows);
  const head = cols.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("");
  const body = rows.map((row) => {
    const cells = cols.map((c) => {
      const v = row[c];
      const cls = typeof v === "number" ? ' class="num"' : "";
      return `<td${cls}>${escapeHtml(formatCell(v))}</td>`;
    });
    return `<tr>${cells.join("")}</tr>`;
  }).join("\n");
  const cls = sortable ? ' class="sortable"' : "";
  return `<table${cls}><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

function keyValueHtml(record: Readonly<Record<string, Cell>>, header: [string, string]): string {
  const rows = Object.entries(record).map(([k, v]) => ({ [header[0]]: k, [header[1]]: v }));
  return tableHtml(rows, header, false);
}

/** Strips an XML declaration or doctype so an SVG document can be inlined in HTML. */
function inlineSvg(svg: string): string {
  return svg.replace(/^\s*<\?xml[^>]*\?>\s*/, "").replace(/^\s*<!DOCTYPE[^>]*>\s*/i, "").trim();
}

/** Renders dashboard.html from `input` (deterministic: same input, same text). */
export function renderDashboard(input: DashboardInput): string {
  const sections: string[] = [];
  const nav: string[] = [];
  const add = (id: string, title: string, html: string): void => {
    nav.push(`<a href="#${id}">${escapeHtml(title)}</a>`);
    sections.push(
      `<section id="${id}">\n<h2>${escapeHtml(title)}</h2>\n${html}\n</section>`,
    );
  };
  if (input.info && Object.keys(input.info).length > 0) {
    add("run", "Run", keyValueHtml(input.info, ["field", "value"]));
  }
  if (input.summary && Object.keys(input.summary).length > 0) {
    add("summary", "Summary", keyValueHtml(input.summary, ["metric", "value"]));
  }
  (input.sections ?? []).forEach((section, i) => {
    add(`section-${i + 1}`, section.title, markdownToHtml(section.body));
  });
  const tables = input.tables ?? [];
  if (tables.length > 0) {
    add(
      "tables",
      "Tables",
      tables.map((t) =>
        (t.title ? `<h3>${escapeHtml(t.title)}</h3>\n` : "") + tableHtml(t.rows, t.columns)
      ).join("\n"),
    );
  }
  const plots = input.plots ?? [];
  if (plots.length > 0) {
    const figures = plots.map((p) =>
      `<figure id="plot-${escapeHtml(p.name)}">\n${inlineSvg(p.svg)}\n` +
      `<figcaption>${escapeHtml(p.title)} (plots/${escapeHtml(p.name)}.svg)</figcaption>\n</figure>`
    );
    add("plots", "Plots", `<div class="grid">\n${figures.join("\n")}\n</div>`);
  }
  const tail = input.metricsTail;
  if (tail && tail.rows.length > 0) {
    add(
      "metrics",
      tail.title ?? "Metrics",
      tableHtml(tail.rows, tail.columns),
    );
  }
  if (input.config !== undefined) {
    add(
      "config",
      "Config",
      `<pre><code>${escapeHtml(JSON.stringify(input.config, null, 2))}</code></pre>`,
    );
  }
  const description = input.description ? `\n<p>${escapeHtml(input.description)}</p>` : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${escapeHtml(input.title)}</title>
<style>
${CSS}
</style>
</head>
<body>
<header>
<h1>${escapeHtml(input.title)}</h1>${description}
<nav>${nav.join("")}</nav>
</header>
<main>
${sections.join("\n")}
</main>
<script>
${SCRIPT}
</script>
</body>
</html>
`;
}
