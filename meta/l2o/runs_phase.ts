/**
 * Independent meta-training runs of the learned optimizers (config `metaSeeds`). Each learned
 * optimizer of the main run is one meta-training run's result, and the CIs of the evaluation are
 * over evaluation seeds, not over meta-training. Run k >= 1 meta-trains the three learned optimizers
 * from its own seed on family A, tunes their learning rates and Adam's on the same tuning tasks, and
 * evaluates them beside Adam (the tuned baseline with the lowest final training loss on every family
 * of the default run) on every evaluation family with the same seeds. Per run, family and learned
 * method: the paired difference of the final training loss, learned minus Adam, over the
 * evaluation seeds. Run 0 is the main run.
 * @module
 */
import type { ExperimentResult } from "../../core/experiment.ts";
import { formatCi as fmt } from "../../core/format.ts";
import { metaRunSeed } from "../../core/rng.ts";
import { summarize, type Summary } from "../../core/stats.ts";
import type { Backend } from "../../learners/backend.ts";
import type { TaskFamily } from "../../learners/tasks/task_family.ts";
import type { LearnedOptimizer } from "../learned_optimizer.ts";
import { type L2oConfig, LEARNED_METHODS, type LearnedMethod } from "./config.ts";
import { type EvalFamily, evaluateFamily, type FamilyEvaluation } from "./evaluate_phase.ts";
import { frozenOptimizer, trainWeights } from "./learn_phase.ts";
import { tuneMethods } from "./tune_phase.ts";

/** The baseline every run's learned optimizers are compared with. */
export const REFERENCE = "adam";

/** One learned method on one family in one run: final training loss minus Adam's, per seed. */
export interface RunCell {
  family: string;
  method: LearnedMethod;
  /** Paired difference over the evaluation seeds (negative: lower loss than Adam). */
  diff: Summary;
}

/** One meta-training run's comparison with Adam. */
export interface L2oRun {
  /** Its meta-training seed. */
  metaSeed: number;
  cells: RunCell[];
}

const LEARNED = Object.keys(LEARNED_METHODS) as LearnedMethod[];

/** The cells of a run from its family evaluations (none for an evaluation without seed values). */
export function runCells(
  families: readonly EvalFamily[],
  evaluations: readonly FamilyEvaluation[],
): RunCell[] {
  return evaluations.flatMap((ev, i) => {
    const ref = ev.perSeed?.find((p) => p.method === REFERENCE);
    if (!ref) return [];
    return (ev.perSeed ?? []).filter((p) => p.method in LEARNED_METHODS).map((p) => ({
      family: families[i]!.name,
      method: p.method as LearnedMethod,
      diff: summarize(p.final.map((v, s) => v - ref.final[s]!)),
    }));
  });
}

/** Run `k` >= 1: meta-training from its own seed, tuning, and the evaluation beside Adam. */
export async function furtherL2oRun(
  backend: Backend,
  familyA: TaskFamily,
  families: readonly EvalFamily[],
  k: number,
  o: { config: L2oConfig; seed: number },
): Promise<L2oRun> {
  const c = o.config;
  const metaSeed = metaRunSeed(o.seed, k);
  const learned = {} as Record<LearnedMethod, LearnedOptimizer>;
  for (const method of LEARNED) {
    const theta = await trainWeights(backend, familyA, c, method, { seed: metaSeed });
    learned[method] = frozenOptimizer(c, familyA, method, theta, { seed: metaSeed });
  }
  const { tuned } = await tuneMethods(backend, familyA, learned, c, {
    seed: o.seed,
    log: () => {},
    methods: [REFERENCE, ...LEARNED],
  });
  const evaluations: FamilyEvaluation[] = [];
  for (const fam of families) {
    evaluations.push(await evaluateFamily(backend, fam, tuned, learned, c, o.seed));
  }
  return { metaSeed, cells: runCells(families, evaluations) };
}

/** A (family, method) cell over the runs: its verdict counts and the CI over the runs. */
export interface AcrossCell {
  family: string;
  method: LearnedMethod;
  /** Each run's paired difference, in run order. */
  runs: Summary[];
  /** The runs' mean differences summarised (CI over the runs). */
  over: Summary;
  /** Runs whose paired CI lies below 0 (lower loss than Adam), spans 0, or lies above 0. */
  better: number;
  level: number;
  worse: number;
}

/** Every (family, method) cell present in all runs, summarised over the runs. */
export function acrossL2oRuns(runs: readonly L2oRun[]): AcrossCell[] {
  const first = runs[0]?.cells ?? [];
  const out: AcrossCell[] = [];
  for (const { family, method } of first) {
    const diffs = runs.map((r) =>
      r.cells.find((x) => x.family === family && x.method === method)?.diff
    );
    if (diffs.some((d) => d === undefined)) continue;
    const ds = diffs as Summary[];
    const better = ds.filter((d) => d.ci95High < 0).length;
    const worse = ds.filter((d) => d.ci95Low > 0).length;
    out.push({
      family,
      method,
      runs: ds,
      over: summarize(ds.map((d) => d.mean)),
      better,
      level: ds.length - better - worse,
      worse,
    });
  }
  return out;
}

/** `result` with the runs' table, summary counts and section (unchanged for one run). */
export function addL2oRuns(result: ExperimentResult, runs: readonly L2oRun[]): ExperimentResult {
  if (runs.length < 2) return result;
  const cells = acrossL2oRuns(runs);
  const rows = cells.map((a) => {
    const row: Record<string, string> = { family: a.family, method: a.method };
    a.runs.forEach((d, k) => (row[`run ${k}`] = fmt(d)));
    row["over the runs"] = fmt(a.over);
    row["better / level / worse"] = `${a.better} / ${a.level} / ${a.worse}`;
    return row;
  });
  const totals = methodTotals(cells);
  const summary: Record<string, number> = { meta_runs: runs.length };
  for (const t of totals) {
    const key = t.method.replace(/-/g, "_");
    summary[`meta_runs_${key}_better`] = t.better;
    summary[`meta_runs_${key}_worse`] = t.worse;
  }
  return {
    ...result,
    summary: { ...result.summary, ...summary },
    tables: [...(result.tables ?? []), {
      title:
        `Independent meta-training runs: final training loss, learned minus ${REFERENCE} (95% CI over the evaluation seeds, paired; negative = lower loss than ${REFERENCE}); "over the runs" has its CI over the ${runs.length} runs`,
      rows,
    }],
    sections: [...(result.sections ?? []), {
      title: "Independent meta-training runs",
      body: runsText(runs.length, totals),
    }],
  };
}

/** Per learned method: its (run, family) cases, and those lower and higher than the reference. */
function methodTotals(cells: readonly AcrossCell[]) {
  return LEARNED.map((method) => {
    const mine = cells.filter((a) => a.method === method);
    const runs = mine[0]?.runs.length ?? 0;
    return {
      method,
      cases: mine.length * runs,
      better: mine.reduce((n, a) => n + a.better, 0),
      worse: mine.reduce((n, a) => n + a.worse, 0),
    };
  });
}

function runsText(n: number, totals: ReturnType<typeof methodTotals>): string {
  const per = totals.map((t) =>
    `${t.method}: lower final loss than ${REFERENCE} in ${t.better}, higher in ${t.worse} of ` +
    `${t.cases} (run, family) cases`
  );
  return `Each learned optimizer of the main run is one meta-training run's result. The experiment ` +
    `meta-trains them ${n} times (\`metaSeeds\`; run 0 is the main run), each run from its own ` +
    `seed, tunes their learning rates and ${REFERENCE}'s on the same tuning tasks, and evaluates ` +
    `them beside ${REFERENCE} on every family with the same evaluation seeds. ${per.join("; ")}.`;
}
