/**
 * The `meta` experiment's result: tables (few-shot accuracy with floors and ceilings, sinusoid
 * MSE, cross-domain accuracy, strategy changes), plots, the verdict sentences, the targets
 * as measured, and the method section stating the protocol and its budget.
 * @module
 */
import type { ExperimentResult } from "../../core/experiment.ts";
import type { PlotSpec } from "../../core/plots.ts";
import { type MetaConfig, settingConfig, tuneIterations } from "./config.ts";
import { ratioCi95 } from "../../core/stats.ts";
import { bestOf, ciText, fmt, type MethodStats } from "./report_stats.ts";
import { changesPlot, settingPlots } from "./report_plots.ts";
import {
  accuracyRows,
  crossRows,
  type Row,
  type SettingOutcomes,
  type SettingReferences,
  settingStats,
  sinusoidRows,
  verdicts,
} from "./report_tables.ts";
import { type MetaOutcomes, outcomeKey } from "./run_setting.ts";
import {
  memberInterval,
  memberMethods,
  selfImprovingShape,
  staticBudget,
} from "./self_improving_run.ts";
import type { Setting } from "./settings.ts";

/** What the report is built from. */
export interface MetaReportInput {
  /** Resolved config. */
  c: MetaConfig;
  /** Settings that ran, with their floors and ceilings. */
  ran: { s: Setting; refs: SettingReferences }[];
  /** Seeds run. */
  seeds: number[];
  /** Outcomes and strategy changes. */
  results: MetaOutcomes;
}

function byMethod(input: MetaReportInput, s: Setting): SettingOutcomes {
  const by: SettingOutcomes = new Map();
  for (const method of input.c.methods) {
    const os = input.seeds.map((seed) =>
      input.results.outcomes.get(outcomeKey(s.name, method, seed))
    )
      .filter((o) => o !== undefined);
    if (os.length) by.set(method, os);
  }
  return by;
}

/** The meta-learners' stats (not the baselines'). */
function metaStats(stats: readonly MethodStats[]): MethodStats[] {
  return stats.filter((st) => !["baseline", "nearest-neighbour", "pretrained"].includes(st.method));
}

/**
 * Share of the gap between the baseline (`base`) and a ceiling (`top`) closed by `best`: the
 * accuracy gained over the baseline as a fraction of the ceiling's.
 */
function gapClosed(best: number, base: number, top: number): number {
  return (best - base) / (top - base);
}

/**
 * Summary entries of a synthetic setting: its family Bayes ceiling and the Bayes rule on its test
 * episodes, and with a baseline and a meta-learner the share of the gap to each closed by the best.
 */
function ceilingSummary(
  s: Setting,
  stats: readonly MethodStats[],
  refs: SettingReferences,
): Record<string, number> {
  const out: Record<string, number> = {};
  if (refs.ceiling !== undefined) out[`${s.name}_bayes_family_accuracy`] = refs.ceiling;
  if (refs.testCeiling !== undefined) out[`${s.name}_bayes_test_accuracy`] = refs.testCeiling;
  const baseStats = stats.find((st) => st.method === "baseline");
  const bestStats = bestOf(metaStats(stats), s.regression);
  if (!baseStats || !bestStats) return out;
  const [best, base] = [bestStats.episodes.mean, baseStats.episodes.mean];
  if (refs.ceiling !== undefined) {
    out[`${s.name}_gap_closed_family`] = gapClosed(best, base, refs.ceiling);
  }
  if (refs.testCeiling !== undefined) {
    out[`${s.name}_gap_closed_test`] = gapClosed(best, base, refs.testCeiling);
    const [low, high] = gapCi(bestStats, baseStats, refs);
    if (Number.isFinite(low)) {
      out[`${s.name}_gap_closed_test_ci95_low`] = low;
      out[`${s.name}_gap_closed_test_ci95_high`] = high;
    }
  }
  return out;
}

/**
 * 95% CI of the share of the gap to the Bayes rule on the test episodes closed by `best`: the ratio
 * of the mean per-episode gains over the baseline to the mean per-episode gaps, paired over the
 * episodes (`ratioCi95`). NaN bounds when the per-episode values do not pair up.
 */
function gapCi(best: MethodStats, base: MethodStats, refs: SettingReferences): [number, number] {
  const t = refs.testCeilingPerEpisode;
  const b = base.values;
  if (!t || t.length !== b.length || best.values.length !== b.length) return [NaN, NaN];
  return ratioCi95(best.values.map((v, i) => v - b[i]!), t.map((v, i) => v - b[i]!));
}

/**
 * The synthetic 1-shot target: the share of the gap between the baseline and the Bayes rule on the
 * run's test episodes (paired: the same episodes as the methods) closed by the best meta-learner,
 * with the share against the family ceiling beside it; the family one alone when the test
 * episodes' rule is absent.
 */
function gapTarget(
  s: Setting,
  best: MethodStats,
  base: MethodStats,
  refs: SettingReferences,
): string {
  const [a, b, f] = [best.episodes.mean, base.episodes.mean, refs.ceiling!];
  const pct = (v: number) => `${fmt(100 * v)}%`;
  if (refs.testCeiling === undefined) {
    return `${s.name}: ${pct(gapClosed(a, b, f))} of the gap between the baseline (${
      pct(b)
    }) and the latent Bayes ceiling (${pct(f)}) closed by ${best.method} (${
      pct(a)
    }); target >= 80%.`;
  }
  const t = refs.testCeiling;
  const [low, high] = gapCi(best, base, refs);
  const ci = Number.isFinite(low)
    ? ` (95% CI over the paired test episodes [${fmt(100 * low)}, ${fmt(100 * high)}])`
    : "";
  return `${s.name}: ${pct(gapClosed(a, b, t))}${ci} of the gap between the baseline (${
    pct(b)
  }) and the Bayes rule on these test episodes (${pct(t)}) closed by ${best.method} (${pct(a)}); ${
    pct(gapClosed(a, b, f))
  } against the family ceiling (${
    pct(f)
  }); target >= 80% of the gap to the Bayes rule on these test episodes.`;
}

/** The targets as measured in one setting (empty where the setting has none). */
function targets(s: Setting, stats: readonly MethodStats[], refs: SettingReferences): string[] {
  const base = stats.find((st) => st.method === "baseline");
  const best = bestOf(metaStats(stats), s.regression);
  if (!best) return [];
  const full = s.name === "glyphs-5way-1shot"
    ? [
      `${s.name}: best meta-learner ${best.method} ${
        fmt(100 * best.episodes.mean)
      }% (95% CI over episodes ${ciText(best.episodes, 100)}, over ${best.seeds.n} seed(s) ${
        ciText(best.seeds, 100)
      }); target at --scale full >= 90%.`,
    ]
    : [];
  if (!base) return full;
  if (s.name === "synthetic-1shot" && refs.ceiling !== undefined) {
    return [gapTarget(s, best, base, refs)];
  }
  if (s.name === "glyphs-5way-1shot") {
    const d = 100 * (best.episodes.mean - base.episodes.mean);
    return [
      `${s.name}: best meta-learner ${best.method} is ${
        fmt(d)
      } points above the from-scratch baseline; target >= 20 points with non-overlapping CIs.`,
      ...full,
    ];
  }
  return [];
}

function sinusoidTarget(rows: Row[], floor: number | undefined): string[] {
  const meta = rows.filter((r) =>
    typeof r.mse_1_step === "number" &&
    !["baseline", "nearest-neighbour"].includes(String(r.method)) &&
    !String(r.method).startsWith("floor")
  );
  if (meta.length === 0) return [];
  const best = meta.reduce((a, b) => ((b.mse_1_step as number) < (a.mse_1_step as number) ? b : a));
  const base = rows.find((r) => r.method === "baseline");
  return [
    `sinusoid: best MSE after 1 inner step ${
      fmt(best.mse_1_step as number, 3)
    } (${best.method}); target <= 0.6; from-scratch baseline ${
      base ? fmt(base.mse_chosen as number, 3) : "n/a"
    } at its tuned step count; floor ${fmt(floor ?? NaN, 3)}.`,
  ];
}

/**
 * The config's `trainInnerSteps`, `headInitScale` and `headReset` as clauses of the protocol line.
 */
function ownSteps(c: MetaConfig): string {
  const steps = Object.entries(c.trainInnerSteps).flatMap(([name, m]) =>
    Object.entries(m ?? {}).map(([method, k]) => `${method} ${k} on ${name}`)
  );
  const heads = Object.entries(c.headInitScale).map(([name, k]) => `${k} on ${name}`);
  return (steps.length > 0 ? `, except (trainInnerSteps) ${steps.join(", ")}` : "") +
    (heads.length > 0
      ? `; the gradient-based methods' output layer starts at its He init times ${
        heads.join(", ")
      } (headInitScale)`
      : "") +
    resets(c);
}

/** The settings of the config's `headReset` as a clause (empty when there are none). */
function resets(c: MetaConfig): string {
  const on = Object.entries(c.headReset).filter(([, v]) => v).map(([name]) => name);
  return (on.length > 0
    ? `; their output layer set to zero after every meta-update on ${on.join(", ")} (headReset)`
    : "") + ownHeads(c);
}

/** The config's `methodHeads` as a clause (empty when there are none). */
function ownHeads(c: MetaConfig): string {
  const parts = Object.entries(c.methodHeads).flatMap(([name, m]) =>
    Object.entries(m ?? {}).map(([method, h]) => {
      const what = [
        h?.headInitScale === undefined ? "" : `head init times ${h.headInitScale}`,
        h?.headReset === undefined ? "" : `headReset ${h.headReset}`,
      ].filter((x) => x !== "");
      return `${method} on ${name} ${what.join(" and ")}`;
    })
  );
  return parts.length > 0 ? `; except (methodHeads) ${parts.join(", ")}` : "";
}

/** Builds the experiment's result from the outcomes of every setting, method and seed. */
export function buildReport(input: MetaReportInput): ExperimentResult {
  const acc: Row[] = [];
  const sin: Row[] = [];
  const cross: Row[] = [];
  const plots: Record<string, PlotSpec> = {};
  const summary: Record<string, number> = {};
  const said: string[] = [];
  const goals: string[] = [];
  for (const { s, refs } of input.ran) {
    const by = byMethod(input, s);
    const stats = settingStats(s, by);
    if (s.regression) sin.push(...sinusoidRows(s, by, refs));
    else acc.push(...accuracyRows(s, by, stats, refs));
    cross.push(...crossRows(s, by));
    Object.assign(plots, settingPlots(s, by));
    const ch = changesPlot(s.name, input.results.changes);
    if (ch) plots[`${s.name}_strategy_changes`] = ch;
    for (const st of stats) {
      summary[`${s.name}_${st.method}_${s.regression ? "mse" : "accuracy"}`] = st.episodes.mean;
    }
    Object.assign(summary, ceilingSummary(s, stats, refs));
    said.push(...verdicts(s, stats));
    goals.push(
      ...(s.regression
        ? sinusoidTarget(sinusoidRows(s, by, refs), refs.floor)
        : targets(s, stats, refs)),
    );
  }
  return {
    title: "Few-shot meta-learning against baselines, and the self-improving loop",
    summary: {
      backend: input.results.ranOn ?? "none",
      ...summary,
      strategy_changes: input.results.changes.length,
    },
    tables: [
      {
        title:
          "Few-shot test accuracy (each method at its step count chosen on meta-validation; 95% CIs)",
        rows: acc,
      },
      { title: "Sinusoid 10-shot regression: test query MSE", rows: sin },
      { title: "Cross-domain test of the glyph-trained learners", rows: cross },
      {
        title: "Self-improving system: changes by kind (all seeds and settings)",
        rows: changeCounts(input),
      },
    ],
    plots,
    sections: [
      {
        title: "Verdicts",
        body: said.map((x) => `- ${x}`).join("\n") ||
          (input.ran.length
            ? "None: no setting ran both a baseline and a meta-learner to compare."
            : "No setting ran."),
      },
      {
        title: "Targets of issue 16, as measured",
        body: goals.map((x) => `- ${x}`).join("\n") || "None ran.",
      },
      { title: "Method", body: methodText(input) },
    ],
  };
}

function changeCounts(input: MetaReportInput): Row[] {
  const counts = new Map<string, number>();
  for (const r of input.results.changes) {
    const k = `level ${r.level} ${r.action} ${r.field}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([kind, n]) => ({ kind, n }));
}

function budgetText(input: MetaReportInput): string {
  return input.ran.map(({ s }) => {
    const c = settingConfig(input.c, s.name);
    const si = selfImprovingShape(c);
    return `${s.name}: trials of ${
      tuneIterations(c)
    } iterations, the best continued to ${c.metaIterations}; ${
      staticBudget(c)
    } task adaptations per method; self-improving ${c.members} members x ${si.tasks} tasks x ${si.iterations} iterations = ${
      c.members * si.tasks * si.iterations
    } task adaptations (members: ${
      memberMethods(c, s.regression).join(", ")
    }; the whole population scored on the meta-validation episodes every ${
      memberInterval(c, si.iterations)
    } iterations at the start, scorings not counted as task adaptations, as the static methods' trial scorings are not).`;
  }).map((x) => `- ${x}`).join("\n");
}

function methodText(input: MetaReportInput): string {
  const c = input.c;
  return [
    `Settings: ${
      input.ran.map((r) => r.s.name).join(", ")
    }. ${c.seeds} seed(s); per seed ${c.testEpisodes} meta-test episodes (15 query points per class), ${c.valEpisodes} meta-validation episodes, a meta-training pool of ${c.trainPool} episodes.`,
    `Networks (ReLU MLPs; every method of a setting, baselines included, the same): ${
      input.ran.map(({ s }) => `${s.name} ${s.widths.join("-")}`).join(", ")
    } (the sinusoid's is MAML's). The inner batch is the support set (exact full-batch steps); meta-training episodes have as many query points per class as support points (MAML's setup).`,
    `Protocol (the same for every meta-learner): ${c.tune.trials} configurations per method (the defaults, then inner lr, meta lr and init scale drawn log-uniformly within x/${c.tune.spread} of them; Reptile's inner steps in 1..${
      2 * c.innerSteps
    }; FOMAML and MAML train with 1 inner step, 5 on episodes of more than 5 ways, ES-MAML and Meta-SGD with 1, as their papers do${
      ownSteps(c)
    }) each meta-train ${
      100 * c.tune.fraction
    }% of the setting's meta-iterations with ${c.metaBatch} tasks per meta-batch; the best on meta-validation continues to the end. The self-improving system gets the same task budget: ${c.members} members, each one of the static meta-learners of the setting (methods cycled over the members at the start, init scales spread x/${c.tune.spread}), PBT with ${c.groups} level-2 groups and fitness = meta-validation score; method (switch probability ${c.memberSwitch} per explore), inner lr, inner steps and meta lr explored (a switch keeps theta; Meta-SGD's rates start at the inner lr), theta, method and knobs copied by exploit, init scale selected by exploit; the member best on meta-validation is tested. Budgets:\n\n${
      budgetText(input)
    }`,
    `Baselines: from scratch (lr in {${
      c.baselineLrs.join(", ")
    }} (sinusoid x0.1), init scale 1 or the setting's, steps 1..${c.baselineSteps}, tuned on meta-validation episodes); pixel 1-nearest-neighbour; pretrained (Chen et al. 2019: one classifier on up to 256 meta-train classes, Adam 0.001, ${c.pretrainSteps} steps of 64; a new linear head trained on the support features, head lr and steps tuned on meta-validation).`,
    `Every method's test step count (0..${c.evalSteps}) is the one with the best meta-validation score. Steps to 80%: first inner step at which an episode's query accuracy >= 0.8, mean over the episodes that reach it (reached_80_pct says how many). A method "won" only when its 95% CI over episodes lies entirely above (MSE: below) the other's.`,
  ].join("\n\n");
}
