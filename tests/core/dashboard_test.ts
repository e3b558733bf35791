import assert from "node:assert/strict";
import { renderDashboard } from "../../core/dashboard.ts";
import { renderPlot } from "../../core/plots.ts";

const svg = renderPlot({
  kind: "bars",
  title: "B",
  bars: [{ label: "a", value: 1 }],
});

const input = {
  title: "Run <script>alert(1)</script>",
  description: "A & B",
  info: { experiment: "toy", seed: 1 },
  summary: { loss: 0.25 },
  sections: [{
    title: "Notes",
    body: "Text with **bold**, `a<b`, [ok](report.md) and [bad](javascript:alert(1)).\n\n" +
      "- one\n- two\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n```\n<raw>\n```",
  }],
  tables: [{ title: "T", rows: [{ name: "x", v: 2 }, { name: "y", v: 10 }] }],
  plots: [{ name: "b1", title: "First", svg }, { name: "b2", title: "Second", svg }],
  metricsTail: { title: "Metrics", rows: [{ step: 1, loss: 0.5 }] },
  config: { a: "<b>" },
};

Deno.test("renderDashboard is one self-contained HTML5 page with every plot inlined", () => {
  const html = renderDashboard(input);
  assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">'));
  assert.ok(html.trimEnd().endsWith("</html>"));
  assert.equal(html.match(/<svg /g)?.length, 2);
  assert.ok(html.includes('<figure id="plot-b1">') && html.includes('<figure id="plot-b2">'));
  const urls = html.match(/(https?:)?\/\/[^\s"'<>)]+/g) ?? [];
  assert.deepEqual([...new Set(urls)], ["http://www.w3.org/2000/svg"]);
  assert.ok(!/<(link|img|iframe|object|embed)\b/.test(html));
  assert.ok(!/<script\s+src/.test(html));
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

Deno.test("renderDashboard escapes text and config and renders the Markdown sections", () => {
  const html = renderDashboard(input);
  assert.ok(html.includes("<title>Run &lt;script&gt;alert(1)&lt;/script&gt;</title>"));
  assert.equal(html.match(/<script>/g)?.length, 1);
  for (
    const part of [
      "<p>A &amp; B</p>",
      "<strong>bold</strong>",
      "<code>a&lt;b</code>",
      '<a href="report.md">ok</a>',
    ]
  ) {
    assert.ok(html.includes(part), part);
  }
  assert.ok(!html.includes("javascript:"));
  for (
    const part of [
      "<ul><li>one</li><li>two</li></ul>",
      "<td>1</td><td>2</td>",
      "<pre><code>&lt;raw&gt;</code></pre>",
      "&quot;a&quot;: &quot;&lt;b&gt;&quot;",
      '<table class="sortable">',
      '<td class="num">10</td>',
    ]
  ) {
    assert.ok(html.includes(part), part);
  }
});

Deno.test("renderDashboard is deterministic", () => {
  assert.equal(renderDashboard(input), renderDashboard(structuredClone(input)));
});
