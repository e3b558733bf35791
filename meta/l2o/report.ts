/**
 * The l2o experiment's report: summary, tables, plots, method text and who wins where.
 * @module
 */
import type { ExperimentResult } from "../../core/experiment.ts";
import type { CurveSeries, PlotSpec, XySeries } from "../../core/plots.ts";
import type { L2oConfig, L2oMethod } from "./config.ts";
import type { EvalFamily, FamilyEvaluation, FamilyRow } from "./evaluate_phase.ts";
import type { Learned } from "./learn_phase.ts";

/** Everything the l2o experiment measured. */
export interface L2oOutcome {
  /** The resolved config. */
  config: L2oConfig;
  /** The learned optimizers and their meta-training histories. */
  learned: Learned;
  /** Learning-rate tuning rows. */
  tuneRows: Record<string, number | string>[];
  /** The evaluation families, in order. */
  families: EvalFamily[];
  /** The evaluation of each family, in the same order. */
  evaluations: FamilyEvaluation[];
}

/** A metric of the evaluation rows: its mean and 95% CI columns. */
const METRICS = {
  steps: ["steps_to_threshold", "steps_ci95_low", "steps_ci95_high"],
  final: ["final_train_loss", "final_ci95_low", "final_ci95_high"],
  query: ["query_loss", "query_ci95_low", "query_ci95_high"],
} as const;

/**
 * The method with the lowest mean of `metric`, and the methods level with it: those whose 95% CI
 * overlaps its CI (or that have no CI).
 */
export function lowest(rows: readonly FamilyRow[], metric: keyof typeof METRICS): string {
  const [m, lo, hi] = METRICS[metric];
  const win = rows.reduce((a, b) => (b[m] < a[m] ? b : a));
  const apart = (r: FamilyRow) => r[lo] > win[hi] || r[hi] < win[lo];
  const level = rows.filter((r) => r !== win && !apart(r)).map((r) => r.method);
  return level.length
    ? `${win.method} (level with ${level.join(", ")})`
    : `${win.method} (CIs apart from every other method)`;
}

/** Per family, the method with the lowest mean steps-to-threshold, final and query loss. */
function winners(o: L2oOutcome): string {
  return o.evaluations.map((ev, i) =>
    `- ${o.families[i]!.name}: fastest to loss ${o.config.threshold}: ` +
    `${lowest(ev.rows, "steps")}; lowest final training loss: ${lowest(ev.rows, "final")}; ` +
    `lowest query loss: ${lowest(ev.rows, "query")}`
  ).join("\n");
}

function plotKey(name: string): string {
  return name.replace(/[^A-Za-z0-9]+/g, "_").replace(/_+$/, "").toLowerCase();
}

/** The plots: meta-training curves, steps vs shift size, and the loss curves of every family. */
function l2oPlots(o: L2oOutcome): Record<string, PlotSpec> {
  const c = o.config;
  const metaHistory = o.learned.metaHistory;
  const stepsVsShift = new Map<L2oMethod, { x: number; y: number }[]>();
  const curvePlots: Record<string, PlotSpec> = {};
  o.families.forEach((fam, i) => {
    const ev = o.evaluations[i]!;
    if (Number.isFinite(fam.shift)) {
      for (const row of ev.rows) {
        const list = stepsVsShift.get(row.method) ?? [];
        list.push({ x: fam.shift, y: row.steps_to_threshold });
        stepsVsShift.set(row.method, list);
      }
    }
    curvePlots[`loss_${plotKey(fam.name)}`] = {
      kind: "curves",
      title:
        `Training loss on ${fam.name} (mean over ${c.tasks} tasks; 95% CI over ${c.seeds} seeds)`,
      xLabel: "step",
      yLabel: "training loss",
      logY: true,
      series: ev.series as CurveSeries[],
    };
  });
  const xy: XySeries[] = [...stepsVsShift.entries()].map(([name, pts]) => ({
    name,
    x: pts.map((p) => p.x),
    y: pts.map((p) => p.y),
    mode: "both",
  }));
  return {
    ...(Object.values(metaHistory).some((h) => h.length)
      ? {
        meta_training: {
          kind: "curves",
          title: "Meta-training: mean loss area of the sampled population per generation",
          xLabel: "generation",
          yLabel: "meta-loss",
          series: Object.entries(metaHistory).filter(([, h]) => h.length).map(([name, h]) => ({
            name,
            x: h.map((r) => r.generation!),
            mean: h.map((r) => r.meta_loss!),
          })),
        },
      }
      : {}),
    steps_vs_shift: {
      kind: "xy",
      title: `Steps to training loss ${c.threshold} vs shift size (censored at ${c.steps})`,
      xLabel: "shift size s",
      yLabel: "steps to threshold",
      series: xy,
    },
    ...curvePlots,
  };
}

/** The "Method" section. */
function l2oMethod(c: L2oConfig): string {
  return [
    `Learned optimizer: momentum SGD (0.9) with lr_eff = lr * exp(clamp(net(f), -4, 4)), net a`,
    `5 -> 8 tanh -> 1 MLP per model on normalized features (log1p loss, log loss ratio to the`,
    `previous step, log gradient norm, log weight norm, step / horizon), inside the fused`,
    `train-step kernel (optimizer kind 3). Meta-trained on family A by antithetic ES`,
    `(${c.es.pairs} pairs x ${c.es.tasks} tasks per generation = ${2 * c.es.pairs * c.es.tasks}`,
    `models in one dispatch, ${c.es.generations} generations, sigma ${c.es.sigma}, Adam step`,
    `${c.es.metaLr}), fitness = mean training loss over the unroll (area under the curve),`,
    `unroll length ${c.es.minUnroll} -> ${c.es.maxUnroll} steps (linear curriculum), base lr ${c.es.lr}.`,
    `learned-reinforce: the same network meta-trained by REINFORCE with a Gaussian policy`,
    `(std ${c.es.sigma}) over its weights, ${
      2 * c.es.pairs
    } samples x ${c.es.tasks} tasks per generation in`,
    `one dispatch, reward = training-loss decrease from the task's first sample averaged over`,
    `the sampling windows, minus the task's mean reward (baseline), Adam step ${c.reinforceMetaLr}.`,
    `learned-per-param: optimizer kind 4, w -= lr * (m + net(g, m, w)) with a 3 -> 8 tanh -> 1`,
    `network per parameter on scaled (gradient, momentum, parameter), meta-trained by the same`,
    `ES as learned. All three frozen (learned_optimizer*.json). Every method's lr (the learned`,
    `ones' base lr included) is tuned on ${c.tuneTasks} held-out family-A tasks over ${c.lrGrid.length} grid values by the`,
    `same loss-area criterion. Evaluation: ${c.seeds} seeds x ${c.tasks} tasks per family,`,
    `${c.steps} steps, model ${[c.family.inputs, ...c.model.hidden, c.family.ways].join("-")}`,
    `(${c.model.activation}), batch ${c.model.batchSize}. Shift size s: offset s, rotation 0.5 s`,
    `rad, scale 1 + 0.5 s. Steps to threshold are censored at ${c.steps} (see reached_fraction);`,
    `losses are sampled every ${c.every} steps; grad_norm_variance is the variance of the sampled`,
    `gradient norms over a run. A quarantined model counts as loss ${c.es.divergedLoss}.`,
  ].join(" ");
}

/** The experiment result of an l2o run. */
export function l2oResult(o: L2oOutcome): ExperimentResult {
  const c = o.config;
  const h = o.learned.metaHistory;
  return {
    title: "Learned optimizers (LR-scale by ES and REINFORCE, per-parameter by ES) under shift",
    summary: {
      final_meta_loss: h["learned"].at(-1)?.meta_loss ?? NaN,
      first_meta_loss: h["learned"][0]?.meta_loss ?? NaN,
      reinforce_final_meta_loss: h["learned-reinforce"].at(-1)?.meta_loss ?? NaN,
      reinforce_first_meta_loss: h["learned-reinforce"][0]?.meta_loss ?? NaN,
      per_param_final_meta_loss: h["learned-per-param"].at(-1)?.meta_loss ?? NaN,
      per_param_first_meta_loss: h["learned-per-param"][0]?.meta_loss ?? NaN,
      seeds: c.seeds,
      tasks_per_seed: c.tasks,
      steps: c.steps,
    },
    tables: [
      {
        title:
          `Evaluation (mean over seeds of the per-seed task means; 95% CI over ${c.seeds} seeds)`,
        rows: o.evaluations.flatMap((ev) => ev.rows),
      },
      {
        title: "Learning-rate tuning on family A (loss area, same grid size per method)",
        rows: o.tuneRows,
      },
    ],
    plots: l2oPlots(o),
    sections: [
      { title: "Method", body: l2oMethod(c) },
      {
        title:
          "Who wins where (lowest mean; level with it: every method whose 95% CI over seeds overlaps its CI)",
        body: winners(o),
      },
    ],
  };
}
