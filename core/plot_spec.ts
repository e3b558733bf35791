/**
 * The data model of a plot: the plain, JSON-serialisable specs a run folder keeps in
 * `plots.json`, from which `renderPlot` (core/plots.ts) draws byte-identical SVG.
 * @module
 */

import type { CurveBand } from "./stats.ts";

/** A number that may be missing (JSON turns NaN into null). */
export type MaybeNumber = number | null;

/** One learning curve: a mean line and an optional confidence band (`low`..`high`). */
export interface CurveSeries {
  /** Legend label. */
  name: string;
  /** x values (steps, generations), ascending. */
  x: number[];
  /** Mean (or single-run) y values. */
  mean: MaybeNumber[];
  /** Lower band bound per x. */
  low?: MaybeNumber[];
  /** Upper band bound per x. */
  high?: MaybeNumber[];
}

/** Common fields of the built-in plot specs. */
export interface PlotFrame {
  /** Plot title. */
  title: string;
  /** x axis label. */
  xLabel?: string;
  /** y axis label. */
  yLabel?: string;
  /** Width in px (default 720). */
  width?: number;
  /** Height in px (default 420). */
  height?: number;
}

/** Learning curves with confidence bands. */
export interface CurvesPlotSpec extends PlotFrame {
  /** Kind tag. */
  kind: "curves";
  /** Logarithmic y axis (non-positive values are left out). */
  logY?: boolean;
  /** The curves. */
  series: CurveSeries[];
}

/** One bar with an optional error bar from `low` to `high`. */
export interface Bar {
  /** Category label under the bar. */
  label: string;
  /** Bar height. */
  value: MaybeNumber;
  /** Lower end of the error bar. */
  low?: MaybeNumber;
  /** Upper end of the error bar. */
  high?: MaybeNumber;
}

/** A bar chart with error bars. */
export interface BarsPlotSpec extends PlotFrame {
  /** Kind tag. */
  kind: "bars";
  /** Logarithmic y axis. */
  logY?: boolean;
  /** The bars, left to right. */
  bars: Bar[];
}

/** One series of a generic x/y plot. */
export interface XySeries {
  /** Legend label. */
  name: string;
  /** x values. */
  x: MaybeNumber[];
  /** y values. */
  y: MaybeNumber[];
  /** Draw a line, points, or both (default "line"). */
  mode?: "line" | "points" | "both";
}

/** A generic line / scatter plot. */
export interface XyPlotSpec extends PlotFrame {
  /** Kind tag. */
  kind: "xy";
  /** Logarithmic x axis. */
  logX?: boolean;
  /** Logarithmic y axis. */
  logY?: boolean;
  /** The series. */
  series: XySeries[];
}

/** An SVG rendered elsewhere, kept verbatim. */
export interface SvgPlotSpec {
  /** Kind tag. */
  kind: "svg";
  /** Title used in reports. */
  title?: string;
  /** The SVG document text. */
  svg: string;
}

/** A plot spec of a kind added with `registerPlotKind`. */
export interface CustomPlotSpec {
  /** Kind tag, as registered. */
  kind: string;
  /** Title used in reports. */
  title?: string;
  /** Kind-specific data. */
  [key: string]: unknown;
}

/** Any plot spec: plain JSON data that `renderPlot` turns into an SVG string. */
export type PlotSpec = CurvesPlotSpec | BarsPlotSpec | XyPlotSpec | SvgPlotSpec | CustomPlotSpec;

/** Renders one plot spec of a registered kind to an SVG string (must be deterministic). */
export type PlotRenderer = (spec: CustomPlotSpec) => string;

/** Turns a `CurveBand` (from `aggregateCurves` / `aggregateRows`) into a named curve series. */
export function curveSeries(name: string, band: CurveBand): CurveSeries {
  return { name, x: [...band.x], mean: [...band.mean], low: [...band.low], high: [...band.high] };
}
