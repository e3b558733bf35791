/**
 * SVG plots rendered with d3 (npm:d3-node, d3 v5) from plain data specs, so a run folder can
 * keep the specs (JSON) and re-render byte-identical SVG later. Built-in kinds:
 *
 * - `curves`: learning curves, each series a mean line with a shaded confidence band;
 * - `bars`: a bar chart with optional error bars;
 * - `xy`: a generic line / scatter plot;
 * - `svg`: an SVG string rendered elsewhere, kept as is.
 *
 * Experiments can add kinds with `registerPlotKind`. The output is deterministic: coordinates
 * are rounded to 0.01 px and nothing depends on time or randomness. Missing values (null, NaN,
 * or non-positive on a log axis) leave gaps.
 * @module
 */

import {
  axes,
  canvas,
  checkLengths,
  domainOf,
  grid,
  legend,
  pathString,
  PLOT_COLORS,
  round,
  runs,
  scale,
  seriesCanvas,
  valid,
  yAxisFor,
} from "./plot_frame.ts";
import type {
  BarsPlotSpec,
  CurvesPlotSpec,
  CustomPlotSpec,
  PlotRenderer,
  PlotSpec,
  SvgPlotSpec,
  XyPlotSpec,
} from "./plot_spec.ts";

export * from "./plot_spec.ts";
export { PLOT_COLORS } from "./plot_frame.ts";

/** Renders learning curves: per series a mean line and a shaded CI band, with a legend. */
export function renderCurvesPlot(spec: CurvesPlotSpec): string {
  const log = spec.logY === true;
  const { c, names, lw } = seriesCanvas(spec, "curves");
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    checkLengths("curves", s.name, s.x.length, { mean: s.mean, low: s.low, high: s.high });
    s.x.forEach((x) => Number.isFinite(x) && xs.push(x));
    for (const arr of [s.mean, s.low ?? [], s.high ?? []]) {
      for (const v of arr) if (valid(v, log)) ys.push(v);
    }
  }
  const x = scale(c.d3, false, domainOf(xs, false, false), [0, c.innerWidth]);
  const y = scale(c.d3, log, domainOf(ys, log, false), [c.innerHeight, 0]);
  axes(c, x, y, false, log);
  spec.series.forEach((s, i) => {
    const color = PLOT_COLORS[i % PLOT_COLORS.length]!;
    const g = c.plot.append("g").attr("class", "series").attr("data-series", i);
    g.append("title").text(s.name);
    const low = s.low;
    const high = s.high;
    if (low && high) {
      for (const run of runs(s.x.length, (j) => valid(low[j], log) && valid(high[j], log))) {
        const upper = run.map((j): [number, number] => [round(x(s.x[j])), round(y(high[j]))]);
        const lower = run.map((j): [number, number] => [round(x(s.x[j])), round(y(low[j]))])
          .reverse();
        g.append("path").attr("class", "series-band")
          .attr("d", pathString(c.d3, [...upper, ...lower]) + "Z")
          .attr("fill", color).attr("fill-opacity", 0.2).attr("stroke", "none");
      }
    }
    const segments = runs(s.x.length, (j) => valid(s.mean[j], log));
    const d = segments.map((run) =>
      pathString(c.d3, run.map((j): [number, number] => [round(x(s.x[j])), round(y(s.mean[j]))]))
    ).join("");
    g.append("path").attr("class", "series-line").attr("d", d)
      .attr("fill", "none").attr("stroke", color).attr("stroke-width", 2);
  });
  legend(c, names, lw);
  return c.d3n.svgString();
}

/** Renders a bar chart; bars with `low`/`high` get error bars with caps. */
export function renderBarsPlot(spec: BarsPlotSpec): string {
  const log = spec.logY === true;
  const c = canvas(spec, "bars", 0);
  const ys: number[] = [];
  for (const b of spec.bars) {
    for (const v of [b.value, b.low, b.high]) if (valid(v, log)) ys.push(v);
  }
  const x = c.d3.scaleBand().domain(spec.bars.map((_, i) => i)).range([0, c.innerWidth])
    .padding(0.25);
  const y = scale(c.d3, log, domainOf(ys, log, true), [c.innerHeight, 0]);
  const xAxis = c.d3.axisBottom(x).tickFormat((i: number) => spec.bars[i]!.label);
  const yTicks = log ? 6 : Math.max(2, Math.floor(c.innerHeight / 50));
  const yAxis = yAxisFor(c.d3, y, log, yTicks);
  grid(c, y, log, yTicks);
  c.plot.append("g").attr("class", "x-axis").attr(
    "transform",
    `translate(0,${round(c.innerHeight)})`,
  )
    .call(xAxis);
  c.plot.append("g").attr("class", "y-axis").call(yAxis);
  const base = log ? y.domain()[0] : 0;
  spec.bars.forEach((b, i) => {
    const left = x(i) as number;
    const w = x.bandwidth() as number;
    const g = c.plot.append("g").attr("class", "bar-item");
    g.append("title").text(b.label);
    if (valid(b.value, log)) {
      const top = Math.min(y(b.value), y(base));
      const bottom = Math.max(y(b.value), y(base));
      g.append("rect").attr("class", "bar")
        .attr("x", round(left)).attr("y", round(top))
        .attr("width", round(w)).attr("height", round(bottom - top))
        .attr("fill", PLOT_COLORS[i % PLOT_COLORS.length]);
    }
    if (valid(b.low, log) && valid(b.high, log)) {
      const mid = round(left + w / 2);
      const cap = round(Math.min(8, w / 4));
      const y0 = round(y(b.low));
      const y1 = round(y(b.high));
      const stroke = { stroke: "#222222", "stroke-width": 1.5 };
      const line = (x1: number, x2: number, ya: number, yb: number): void => {
        const l = g.append("line").attr("class", "error-bar")
          .attr("x1", x1).attr("x2", x2).attr("y1", ya).attr("y2", yb);
        for (const [k, v] of Object.entries(stroke)) l.attr(k, v);
      };
      line(mid, mid, y0, y1);
      line(round(mid - cap), round(mid + cap), y0, y0);
      line(round(mid - cap), round(mid + cap), y1, y1);
    }
  });
  return c.d3n.svgString();
}

/** Renders a generic x/y plot: lines, points or both per series, with a legend. */
export function renderXyPlot(spec: XyPlotSpec): string {
  const logX = spec.logX === true;
  const logY = spec.logY === true;
  const { c, names, lw } = seriesCanvas(spec, "xy");
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    checkLengths("xy", s.name, s.x.length, { y: s.y });
    s.x.forEach((v, j) => {
      if (valid(v, logX) && valid(s.y[j], logY)) {
        xs.push(v);
        ys.push(s.y[j] as number);
      }
    });
  }
  const x = scale(c.d3, logX, domainOf(xs, logX, false), [0, c.innerWidth]);
  const y = scale(c.d3, logY, domainOf(ys, logY, false), [c.innerHeight, 0]);
  axes(c, x, y, logX, logY);
  spec.series.forEach((s, i) => {
    const color = PLOT_COLORS[i % PLOT_COLORS.length]!;
    const mode = s.mode ?? "line";
    const g = c.plot.append("g").attr("class", "series").attr("data-series", i);
    g.append("title").text(s.name);
    const ok = (j: number): boolean => valid(s.x[j], logX) && valid(s.y[j], logY);
    const point = (j: number): [number, number] => [round(x(s.x[j])), round(y(s.y[j]))];
    if (mode !== "points") {
      const d = runs(s.x.length, ok).map((run) => pathString(c.d3, run.map(point))).join("");
      g.append("path").attr("class", "series-line").attr("d", d)
        .attr("fill", "none").attr("stroke", color).attr("stroke-width", 2);
    }
    if (mode !== "line") {
      for (let j = 0; j < s.x.length; j++) {
        if (!ok(j)) continue;
        const [px, py] = point(j);
        g.append("circle").attr("class", "series-point")
          .attr("cx", px).attr("cy", py).attr("r", 3).attr("fill", color);
      }
    }
  });
  legend(c, names, lw);
  return c.d3n.svgString();
}

const renderers = new Map<string, PlotRenderer>();

/** Adds a plot kind; `render` must be deterministic (same spec, same SVG string). */
export function registerPlotKind(kind: string, render: PlotRenderer): void {
  if (!/^[a-z][a-z0-9-]*$/.test(kind)) {
    throw new RangeError(
      `Cannot register plot kind as kind must match /^[a-z][a-z0-9-]*$/: current value is ${
        JSON.stringify(kind)
      }`,
    );
  }
  if (["curves", "bars", "xy", "svg"].includes(kind) || renderers.has(kind)) {
    throw new RangeError(
      `Cannot register plot kind as kind must be new: current value is "${kind}"`,
    );
  }
  renderers.set(kind, render);
}

/** Renders any plot spec (built-in or registered kind) to an SVG string. */
export function renderPlot(spec: PlotSpec): string {
  if (spec === null || typeof spec !== "object" || typeof spec.kind !== "string") {
    throw new TypeError("Cannot render plot as spec must be an object with a string kind");
  }
  switch (spec.kind) {
    case "curves":
      return renderCurvesPlot(spec as CurvesPlotSpec);
    case "bars":
      return renderBarsPlot(spec as BarsPlotSpec);
    case "xy":
      return renderXyPlot(spec as XyPlotSpec);
    case "svg":
      return (spec as SvgPlotSpec).svg;
  }
  const render = renderers.get(spec.kind);
  if (!render) {
    const known = ["curves", "bars", "xy", "svg", ...renderers.keys()].map((k) => `"${k}"`);
    throw new RangeError(
      `Cannot render plot as kind must be one of ${
        known.join(", ")
      }: current value is "${spec.kind}"`,
    );
  }
  return render(spec as CustomPlotSpec);
}
