import assert from "node:assert/strict";
import { markdownTable, renderReport } from "../../core/report.ts";

Deno.test("markdownTable formats numbers, right-aligns numeric columns and escapes pipes", () => {
  const text = markdownTable([
    { name: "a|b", loss: 0.123456, steps: 100 },
    { name: "c", loss: NaN, steps: 2e-7 },
    { name: "d", extra: "x" },
  ]);
  assert.equal(
    text,
    "| name | loss | steps | extra |\n" +
      "| --- | ---: | ---: | --- |\n" +
      "| a\\|b | 0.1235 | 100 |  |\n" +
      "| c | NaN | 2e-7 |  |\n" +
      "| d |  |  | x |\n",
  );
  assert.equal(markdownTable([]), "_(empty table)_\n");
  assert.equal(markdownTable([{ a: 1, b: 2 }], ["b"]), "| b |\n| ---: |\n| 2 |\n");
});

Deno.test("renderReport has the title, run info, summary, sections, tables, plot links and config", () => {
  const md = renderReport({
    title: "Meta-SGD on sine",
    description: "Learns per-parameter learning rates.",
    info: { experiment: "meta-sgd", seed: 3 },
    summary: { "final loss": 0.0123456 },
    sections: [{ title: "Comparison with the claims", body: "The README claims **0.01**.\n" }],
    tables: [{ title: "Per seed", rows: [{ seed: 0, loss: 0.5 }] }],
    plots: [{ name: "loss", title: "Loss [log]" }, { name: "bars", title: "Bars" }],
    config: { steps: 5 },
  });
  assert.ok(md.startsWith("# Meta-SGD on sine\n\nLearns per-parameter learning rates.\n"));
  assert.ok(
    md.includes(
      "## Run\n\n| field | value |\n| --- | --- |\n| experiment | meta-sgd |\n| seed | 3 |\n",
    ),
  );
  for (
    const part of [
      "| final loss | 0.01235 |",
      "## Comparison with the claims\n\nThe README claims **0.01**.\n",
      "### Per seed\n\n| seed | loss |\n| ---: | ---: |\n| 0 | 0.5 |\n",
      "![Loss  log ](plots/loss.svg)\n",
      "![Bars](plots/bars.svg)\n",
      '## Config\n\n```json\n{\n  "steps": 5\n}\n```\n',
    ]
  ) {
    assert.ok(md.includes(part), part);
  }
  assert.ok(
    md.indexOf("## Summary") < md.indexOf("## Comparison") &&
      md.indexOf("## Tables") < md.indexOf("## Plots"),
  );
});
