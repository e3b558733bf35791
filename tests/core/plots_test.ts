import assert from "node:assert/strict";
import {
  curveSeries,
  type CurvesPlotSpec,
  type PlotSpec,
  registerPlotKind,
  renderBarsPlot,
  renderCurvesPlot,
  renderPlot,
  renderXyPlot,
} from "../../core/plots.ts";
import { aggregateCurves } from "../../core/stats.ts";

const count = (svg: string, pattern: RegExp): number =>
  svg.match(new RegExp(pattern, "g"))?.length ?? 0;

const curves: CurvesPlotSpec = {
  kind: "curves",
  title: "Loss <per> step & seed",
  xLabel: "step",
  yLabel: "loss",
  series: [
    curveSeries(
      "adam",
      aggregateCurves([[1, 0.6, 0.4, 0.3], [1.2, 0.7, 0.5, 0.35], [0.9, 0.5, 0.3, 0.2]]),
    ),
    curveSeries("sgd", aggregateCurves([[1, 0.9, 0.8, 0.7], [1.1, 1, 0.9, 0.8]])),
    { name: "single run", x: [0, 1, 2, 3], mean: [1, 0.95, 0.9, 0.85] },
  ],
};

Deno.test("renderCurvesPlot draws one line per series, bands where given, and a legend", () => {
  const svg = renderCurvesPlot(curves);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.endsWith("</svg>"));
  assert.equal(count(svg, /class="series-line"/), 3);
  assert.equal(count(svg, /class="series-band"/), 2);
  assert.equal(count(svg, /class="legend-item"/), 3);
  assert.ok(svg.includes("Loss &lt;per&gt; step &amp; seed"));
  assert.ok(svg.includes(">step</text>") && svg.includes(">loss</text>"));
});

Deno.test("renderPlot is deterministic, also after a JSON round trip of the spec", () => {
  const a = renderPlot(curves);
  const b = renderPlot(curves);
  const c = renderPlot(JSON.parse(JSON.stringify(curves)) as PlotSpec);
  assert.equal(a, b);
  assert.equal(a, c);
});

Deno.test("renderCurvesPlot leaves gaps at missing values and drops non-positive values on a log axis", () => {
  const svg = renderCurvesPlot({
    kind: "curves",
    title: "gaps",
    logY: true,
    series: [{ name: "a", x: [0, 1, 2, 3, 4], mean: [1, 0.5, null, 0.2, 0] }],
  });
  const d = /class="series-line" d="([^"]*)"/.exec(svg)?.[1] ?? "";
  assert.equal(count(d, /M/), 2);
  assert.ok(!svg.includes("NaN"));
  assert.equal(count(svg, /class="legend-item"/), 0);
});

Deno.test("renderCurvesPlot rejects series whose arrays differ in length", () => {
  assert.throws(
    () =>
      renderCurvesPlot({
        kind: "curves",
        title: "t",
        series: [{ name: "a", x: [0, 1], mean: [1] }],
      }),
    /series "a" mean must have 2 values like x: current length is 1/,
  );
});

Deno.test("renderBarsPlot draws every bar and three lines per error bar", () => {
  const svg = renderBarsPlot({
    kind: "bars",
    title: "Final accuracy",
    yLabel: "accuracy",
    bars: [
      { label: "adam", value: 0.9, low: 0.85, high: 0.95 },
      { label: "sgd", value: 0.8, low: 0.7, high: 0.9 },
      { label: "none", value: 0.5 },
      { label: "negative", value: -0.1 },
    ],
  });
  assert.equal(count(svg, /class="bar"/), 4);
  assert.equal(count(svg, /class="error-bar"/), 6);
  assert.ok(svg.includes(">adam</text>") && svg.includes(">negative</text>"));
});

Deno.test("renderXyPlot draws lines and points per mode", () => {
  const svg = renderXyPlot({
    kind: "xy",
    title: "lr sweep",
    xLabel: "learning rate",
    yLabel: "loss",
    logX: true,
    series: [
      { name: "line", x: [0.001, 0.01, 0.1], y: [3, 2, 1] },
      { name: "both", x: [0.001, 0.01, 0.1], y: [2, 1, 3], mode: "both" },
      { name: "points", x: [0.001, 0.01, 0.1, 0], y: [1, 1, 1, 1], mode: "points" },
    ],
  });
  assert.equal(count(svg, /class="series-line"/), 2);
  assert.equal(count(svg, /class="series-point"/), 6);
  assert.equal(count(svg, /class="legend-item"/), 3);
});

Deno.test("renderPlot keeps an svg spec verbatim and renders a registered kind", () => {
  assert.equal(renderPlot({ kind: "svg", svg: "<svg>x</svg>" }), "<svg>x</svg>");
  registerPlotKind("dot-test", (spec) => `<svg data-n="${spec.n}"></svg>`);
  assert.equal(renderPlot({ kind: "dot-test", n: 3 }), '<svg data-n="3"></svg>');
  assert.throws(
    () => registerPlotKind("dot-test", () => ""),
    /kind must be new: current value is "dot-test"/,
  );
  assert.throws(() => registerPlotKind("curves", () => ""), /kind must be new/);
});

Deno.test("renderPlot rejects an unknown kind and a bad size with one-line messages", () => {
  assert.throws(
    () => renderPlot({ kind: "pie" }),
    /Cannot render plot as kind must be one of "curves", "bars", "xy", "svg".*: current value is "pie"/,
  );
  assert.throws(
    () => renderPlot({ ...curves, width: 50 }),
    /Cannot render plot as width must be >= 100 and <= 4000: current value is 50/,
  );
});
