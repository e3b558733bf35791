/**
 * Tables and verdict sentences of the `meta` experiment's report: the few-shot table (baselines,
 * static meta-learners, the self-improving system, with floors and ceilings beside them), the
 * sinusoid table, the cross-domain table, the chosen hyperparameters, and one sentence per
 * setting saying which method won and by how much, or that none did.
 * @module
 */
import { META_BASELINES, STATIC_METHODS } from "./config.ts";
import { beats, bestOf, ciText, fmt, type MethodStats, methodStats } from "./report_stats.ts";
import type { MethodOutcome } from "./setting_run.ts";
import type { Setting } from "./settings.ts";

/** Floors and ceilings of a setting. */
export interface SettingReferences {
  /** Chance accuracy (classification). */
  chance?: number;
  /** Latent Bayes ceiling of the family (synthetic; a Monte-Carlo average over its episodes). */
  ceiling?: number;
  /**
   * The latent Bayes rule on the run's own test episodes (synthetic; mean over the seeds' test
   * pools): the paired ceiling of the methods tested on them.
   */
  testCeiling?: number;
  /** Number of test episodes `testCeiling` is measured on (all seeds). */
  testCeilingEpisodes?: number;
  /**
   * The rule's accuracy on each of those episodes, the seeds in order (paired with the methods'
   * per-episode accuracies: the confidence interval of the share of the gap closed).
   */
  testCeilingPerEpisode?: number[];
  /** Mean-function MSE floor (sinusoid). */
  floor?: number;
}

/** A report row. */
export type Row = Record<string, string | number>;

/** Outcomes of one setting by method (seeds in order). */
export type SettingOutcomes = Map<string, MethodOutcome[]>;

/** Stats of every method of a setting, in config order. */
export function settingStats(s: Setting, by: SettingOutcomes): MethodStats[] {
  const out: MethodStats[] = [];
  for (const [method, os] of by) {
    const st = methodStats(method, os, s.regression);
    if (st) out.push(st);
  }
  return out;
}

/**
 * The "chosen" column: each seed's hyperparameters, rates to 3 significant digits, integers
 * (iterations, steps, classes) exact (tested_at 1425 read "1430" before).
 */
export function chosenText(os: readonly Pick<MethodOutcome, "chosen">[]): string {
  return os.map((o) =>
    Object.entries(o.chosen).map(([k, v]) =>
      `${k} ${typeof v === "number" && !Number.isInteger(v) ? +v.toPrecision(3) : v}`
    )
      .join(", ")
  ).join(" | ");
}

/** Rows of the few-shot table for one classification setting. */
export function accuracyRows(
  s: Setting,
  by: SettingOutcomes,
  stats: readonly MethodStats[],
  refs: SettingReferences,
): Row[] {
  const rows: Row[] = [];
  const ref = (method: string, v: number | undefined): void => {
    if (v !== undefined) rows.push({ setting: s.name, method, accuracy_pct: 100 * v });
  };
  ref("floor: chance", refs.chance);
  for (const st of stats) {
    const os = by.get(st.method)!;
    rows.push({
      setting: s.name,
      method: st.method,
      accuracy_pct: 100 * st.episodes.mean,
      ci95_episodes: ciText(st.episodes, 100),
      ci95_seeds: ciText(st.seeds, 100),
      steps_used: st.stepsUsed.join("/"),
      steps_to_80: st.stepsTo80,
      reached_80_pct: 100 * st.reached80,
      task_budget: os[0]!.taskBudget,
      meta_iterations_per_s: os[0]!.itersPerSecond,
      seeds: os.length,
      episodes: st.episodes.n,
      chosen: chosenText(os),
    });
  }
  ref("ceiling: latent Bayes", refs.ceiling);
  if (refs.testCeiling !== undefined) {
    rows.push({
      setting: s.name,
      method: "ceiling: latent Bayes on these test episodes",
      accuracy_pct: 100 * refs.testCeiling,
      episodes: refs.testCeilingEpisodes ?? "",
    });
  }
  return rows;
}

/** Rows of the sinusoid table: MSE after 1 and 10 steps and at the chosen step count. */
export function sinusoidRows(
  s: Setting,
  by: SettingOutcomes,
  refs: SettingReferences,
): Row[] {
  const rows: Row[] = [];
  for (const [method, os] of by) {
    const at = (k: number) => methodStats(method, os, true, { atStep: k })!;
    const chosen = methodStats(method, os, true)!;
    rows.push({
      method,
      mse_1_step: at(1).episodes.mean,
      mse_1_step_ci95: ciText(at(1).episodes, 1, 3),
      mse_10_steps: at(10).episodes.mean,
      mse_10_steps_ci95: ciText(at(10).episodes, 1, 3),
      mse_chosen: chosen.episodes.mean,
      steps_used: chosen.stepsUsed.join("/"),
      task_budget: os[0]!.taskBudget,
      meta_iterations_per_s: os[0]!.itersPerSecond,
      seeds: os.length,
      episodes: chosen.episodes.n,
      chosen: chosenText(os),
    });
  }
  if (refs.floor !== undefined) {
    rows.push({ method: "floor: mean function (ignores the support set)", mse_1_step: refs.floor });
  }
  void s;
  return rows;
}

/** Rows of the cross-domain table for one glyph setting. */
export function crossRows(s: Setting, by: SettingOutcomes): Row[] {
  if (!s.crossDomain) return [];
  const rows: Row[] = [];
  for (const [method, os] of by) {
    const st = methodStats(method, os, false, { pick: (o) => o.cross });
    if (!st) continue;
    rows.push({
      trained_on: s.name,
      tested_on: s.crossDomain.name,
      method,
      accuracy_pct: 100 * st.episodes.mean,
      ci95_episodes: ciText(st.episodes, 100),
      ci95_seeds: ciText(st.seeds, 100),
      steps_used: st.stepsUsed.join("/"),
      episodes: st.episodes.n,
    });
  }
  return rows;
}

function value(st: MethodStats, regression: boolean): string {
  const v = regression ? fmt(st.episodes.mean, 3) : `${fmt(100 * st.episodes.mean)}%`;
  const ci = regression ? ciText(st.episodes, 1, 3) : ciText(st.episodes, 100);
  return `${st.method} ${v} ${ci}`;
}

function compare(
  a: MethodStats,
  b: MethodStats,
  regression: boolean,
): { diff: string; verdict: "better" | "worse" | "overlap" } {
  const d = regression
    ? b.episodes.mean - a.episodes.mean
    : 100 * (a.episodes.mean - b.episodes.mean);
  const diff = regression ? `${fmt(d, 3)} lower MSE` : `${fmt(d)} points`;
  if (beats(a.episodes, b.episodes, regression)) return { diff, verdict: "better" };
  if (beats(b.episodes, a.episodes, regression)) return { diff, verdict: "worse" };
  return { diff, verdict: "overlap" };
}

/** The verdict sentences of one setting (meta-learners vs baselines; self-improving vs static). */
export function verdicts(s: Setting, stats: readonly MethodStats[]): string[] {
  const reg = s.regression;
  const isIn = (list: readonly string[]) => (st: MethodStats) => list.includes(st.method);
  const bb = bestOf(stats.filter(isIn(META_BASELINES)), reg);
  const bs = bestOf(stats.filter(isIn(STATIC_METHODS)), reg);
  const si = stats.find((st) => st.method === "self-improving") ?? null;
  const bm = bestOf([bs, si].filter((x): x is MethodStats => x !== null), reg);
  const out: string[] = [];
  const what = reg ? "test MSE at the chosen step count" : "test accuracy";
  if (bb && bm) {
    const c = compare(bm, bb, reg);
    out.push(
      c.verdict === "better"
        ? `${s.name}: ${bm.method} won (${what}): ${value(bm, reg)} against the best baseline ${
          value(bb, reg)
        }, by ${c.diff}; the 95% CIs do not overlap.`
        : c.verdict === "worse"
        ? `${s.name}: the best baseline won: ${value(bb, reg)} against the best meta-learner ${
          value(bm, reg)
        } (${c.diff}); the 95% CIs do not overlap.`
        : `${s.name}: no method won: the best meta-learner ${
          value(bm, reg)
        } and the best baseline ${value(bb, reg)} differ by ${c.diff} with overlapping 95% CIs.`,
    );
  }
  if (si && bs) {
    const c = compare(si, bs, reg);
    const tail = c.verdict === "overlap"
      ? "the 95% CIs overlap, so neither is better"
      : `the 95% CIs do not overlap: the self-improving system is ${c.verdict}`;
    out.push(
      `${s.name}: self-improving vs the best static method: ${value(si, reg)} vs ${
        value(bs, reg)
      }, ${c.diff}; ${tail}.`,
    );
  }
  return out;
}
