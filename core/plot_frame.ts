/**
 * The frame of the SVG plots in core/plots.ts: palette, canvas and d3 scales, grid, axes, legend,
 * path strings and the checks shared by every plot kind.
 * @module
 */

import "./_quiet_deprecations.ts";
import D3Node from "d3-node";

import type { MaybeNumber, PlotFrame } from "./plot_spec.ts";

/** Fixed palette (Tableau 10), cycled. */
export const PLOT_COLORS: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

// d3-node ships no types: the few members used here.
// deno-lint-ignore no-explicit-any
export type D3 = any;
interface D3NodeInstance {
  d3: D3;
  createSVG(width: number, height: number): D3;
  svgString(): string;
}
const D3NodeClass = D3Node as unknown as new () => D3NodeInstance;

export const round = (v: number): number => Math.round(v * 100) / 100;

export function valid(v: MaybeNumber | undefined, log: boolean): v is number {
  return typeof v === "number" && Number.isFinite(v) && (!log || v > 0);
}

function frameSize(spec: { width?: number; height?: number }): [number, number] {
  const width = spec.width ?? 720;
  const height = spec.height ?? 420;
  for (const [field, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isFinite(v) || v < 100 || v > 4000) {
      throw new RangeError(
        `Cannot render plot as ${field} must be >= 100 and <= 4000: current value is ${v}`,
      );
    }
  }
  return [width, height];
}

export function domainOf(values: number[], log: boolean, zero: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (zero && !log) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (!Number.isFinite(lo)) return log ? [1, 10] : [0, 1];
  if (lo === hi) {
    if (log) return [lo / 2, hi * 2];
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

export interface Canvas {
  d3: D3;
  svg: D3;
  plot: D3;
  d3n: D3NodeInstance;
  innerWidth: number;
  innerHeight: number;
}

export function legendWidth(names: readonly string[]): number {
  if (names.length < 2) return 0;
  const longest = Math.max(...names.map((n) => n.length));
  return Math.min(220, 34 + 7 * longest);
}

/** The canvas of a plot with one legend entry per series, and the legend's names and width. */
export function seriesCanvas(
  spec: PlotFrame & { series: readonly { name: string }[] },
  kind: string,
): { c: Canvas; names: string[]; lw: number } {
  const names = spec.series.map((s) => s.name);
  const lw = legendWidth(names);
  return { c: canvas(spec, kind, lw), names, lw };
}

export function canvas(spec: PlotFrame, kind: string, legend: number): Canvas {
  const [width, height] = frameSize(spec);
  const margin = { top: 36, right: 16 + legend, bottom: spec.xLabel ? 48 : 34, left: 68 };
  const d3n = new D3NodeClass();
  const d3 = d3n.d3;
  const svg = d3n.createSVG(width, height)
    .attr("viewBox", `0 0 ${width} ${height}`)
    .attr("class", `plot plot-${kind}`)
    .attr("font-family", "sans-serif")
    .attr("font-size", 12);
  svg.append("rect").attr("width", width).attr("height", height).attr("fill", "#ffffff");
  svg.append("text").attr("class", "plot-title")
    .attr("x", width / 2).attr("y", 22)
    .attr("text-anchor", "middle").attr("font-size", 15).attr("font-weight", "bold")
    .text(spec.title);
  const innerWidth = width - margin.left - margin.right;
  const innerHeight = height - margin.top - margin.bottom;
  if (spec.xLabel) {
    svg.append("text").attr("class", "axis-label")
      .attr("x", margin.left + innerWidth / 2).attr("y", height - 10)
      .attr("text-anchor", "middle").text(spec.xLabel);
  }
  if (spec.yLabel) {
    svg.append("text").attr("class", "axis-label")
      .attr("transform", `translate(16,${round(margin.top + innerHeight / 2)}) rotate(-90)`)
      .attr("text-anchor", "middle").text(spec.yLabel);
  }
  const plot = svg.append("g").attr("transform", `translate(${margin.left},${margin.top})`);
  return { d3, svg, plot, d3n, innerWidth, innerHeight };
}

export function scale(d3: D3, log: boolean, domain: [number, number], range: [number, number]): D3 {
  const s = log ? d3.scaleLog() : d3.scaleLinear();
  return s.domain(domain).range(range).nice();
}

/** Tick values for grid lines: on a log axis only powers of ten (when there are at least two). */
function gridTicks(scale: D3, log: boolean, count: number): number[] {
  const ticks = scale.ticks(count) as number[];
  if (!log) return ticks;
  const decades = ticks.filter((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9);
  return decades.length >= 2 ? decades : ticks;
}

export function yAxisFor(d3: D3, y: D3, log: boolean, count: number): D3 {
  // On a log axis d3 labels only a readable subset of the ticks when given a count and format.
  return log ? d3.axisLeft(y).ticks(count, "~g") : d3.axisLeft(y).ticks(count);
}

export function grid(c: Canvas, y: D3, log: boolean, count: number): void {
  c.plot.append("g").attr("class", "grid").attr("stroke", "#e6e6e6")
    .selectAll("line").data(gridTicks(y, log, count))
    .enter().append("line")
    .attr("x1", 0).attr("x2", round(c.innerWidth))
    .attr("y1", (d: number) => round(y(d))).attr("y2", (d: number) => round(y(d)));
}

export function axes(c: Canvas, x: D3, y: D3, xLog: boolean, yLog: boolean): void {
  const { d3, plot, innerWidth, innerHeight } = c;
  const xCount = xLog ? 6 : Math.max(2, Math.floor(innerWidth / 90));
  const xAxis = xLog ? d3.axisBottom(x).ticks(xCount, "~g") : d3.axisBottom(x).ticks(xCount);
  const yCount = yLog ? 6 : Math.max(2, Math.floor(innerHeight / 50));
  grid(c, y, yLog, yCount);
  plot.append("g").attr("class", "x-axis").attr("transform", `translate(0,${round(innerHeight)})`)
    .call(xAxis);
  plot.append("g").attr("class", "y-axis").call(yAxisFor(d3, y, yLog, yCount));
}

export function legend(c: Canvas, names: readonly string[], width: number): void {
  if (names.length < 2) return;
  const g = c.plot.append("g").attr("class", "legend")
    .attr("transform", `translate(${round(c.innerWidth + 12)},0)`);
  names.forEach((name, i) => {
    const row = g.append("g").attr("class", "legend-item")
      .attr("transform", `translate(0,${i * 18})`);
    row.append("rect").attr("width", 14).attr("height", 10).attr("y", 1)
      .attr("fill", PLOT_COLORS[i % PLOT_COLORS.length]);
    const maxChars = Math.floor((width - 34) / 7);
    const label = name.length > maxChars ? name.slice(0, Math.max(1, maxChars - 1)) + "…" : name;
    row.append("text").attr("x", 20).attr("y", 10).text(label);
  });
}

export function pathString(d3: D3, points: [number, number][]): string {
  const path = d3.path();
  points.forEach(([px, py], i) => (i === 0 ? path.moveTo(px, py) : path.lineTo(px, py)));
  return path.toString();
}

/** Splits indices into runs where `ok(i)` holds, for lines with gaps. */
export function runs(length: number, ok: (i: number) => boolean): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < length; i++) {
    if (ok(i)) current.push(i);
    else if (current.length > 0) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

export function checkLengths(
  kind: string,
  name: string,
  n: number,
  arrays: Record<string, unknown[] | undefined>,
): void {
  for (const [field, values] of Object.entries(arrays)) {
    if (values !== undefined && values.length !== n) {
      throw new RangeError(
        `Cannot render ${kind} plot as series "${name}" ${field} must have ${n} values like x: current length is ${values.length}`,
      );
    }
  }
}
