/**
 * Plots of the `meta` experiment's report: test metric vs inner step, validation metric vs
 * meta-iteration (every method, 95% CI over seeds), and the self-improving system's changes over
 * time (the value each change set, per field, against meta-iteration).
 * @module
 */
import type { PlotSpec, XySeries } from "../../core/plots.ts";
import { curveSeries } from "../../core/plots.ts";
import { aggregateCurves } from "../../core/stats.ts";
import type { StrategyChange } from "./pbt.ts";
import type { SettingOutcomes } from "./report_tables.ts";
import type { Setting } from "./settings.ts";

/** Test-curve and learning-curve plots of one setting. */
export function settingPlots(s: Setting, by: SettingOutcomes): Record<string, PlotSpec> {
  const what = s.regression ? "query MSE" : "query accuracy";
  const steps = [];
  const iters = [];
  for (const [method, os] of by) {
    const rows = s.regression
      ? (o: typeof os[0]) => o.curve.loss
      : (o: typeof os[0]) => o.curve.accuracy;
    const perEpisode = os.flatMap((o) => {
      const r = rows(o);
      return Array.from({ length: r[0]!.length }, (_, e) => r.map((a) => a[e]!));
    });
    steps.push(curveSeries(method, aggregateCurves(perEpisode)));
    const withCurve = os.filter((o) => o.valCurve.x.length > 0);
    if (withCurve.length) {
      const x = withCurve[0]!.valCurve.x;
      iters.push(curveSeries(method, aggregateCurves(withCurve.map((o) => o.valCurve.y), { x })));
    }
  }
  const plots: Record<string, PlotSpec> = {
    [`${s.name}_vs_inner_step`]: {
      kind: "curves",
      title: `${s.name}: meta-test ${what} vs inner step (95% CI over episodes)`,
      xLabel: "inner step",
      yLabel: what,
      logY: s.regression,
      series: steps,
    },
  };
  if (iters.length) {
    plots[`${s.name}_vs_meta_iteration`] = {
      kind: "curves",
      title: `${s.name}: meta-validation ${what} vs meta-iteration (95% CI over seeds)`,
      xLabel: "meta-iteration",
      yLabel: what,
      logY: s.regression,
      series: iters,
    };
  }
  return plots;
}

/** The self-improving system's changes in one setting (first seed), one series per field. */
export function changesPlot(
  setting: string,
  changes: readonly (StrategyChange & { setting: string; seed: number })[],
): PlotSpec | null {
  const mine = changes.filter((c) => c.setting === setting && c.action !== "exploit");
  if (mine.length === 0) return null;
  const seed = mine[0]!.seed;
  const byField = new Map<string, XySeries>();
  for (const c of mine) {
    if (c.seed !== seed) continue;
    const name = `level ${c.level} ${c.field}`;
    let s = byField.get(name);
    if (!s) byField.set(name, s = { name, x: [], y: [], mode: "points" });
    s.x.push(c.iteration);
    s.y.push(c.to);
  }
  return {
    kind: "xy",
    title:
      `${setting}: self-improving system, value set by each change vs meta-iteration (seed ${seed})`,
    xLabel: "meta-iteration",
    yLabel: "new value (log)",
    logY: true,
    series: [...byField.values()],
  };
}
