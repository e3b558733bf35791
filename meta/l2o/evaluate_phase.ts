/**
 * Phase 3 of the l2o experiment: evaluate the tuned methods on family A, on shifted families B
 * (each shift size) and on Fashion-MNIST class episodes: steps to a training-loss threshold,
 * final and query losses, gradient-norm variance, per seed, summarized with 95% CIs.
 * @module
 */
import type { CurveSeries } from "../../core/plots.ts";
import { curveSeries } from "../../core/plots.ts";
import { aggregateCurves, summarize } from "../../core/stats.ts";
import type { Backend } from "../../learners/backend.ts";
import { fashionMnistAvailable, loadFashionMnist } from "../../learners/data/fashion_mnist.ts";
import { downsample } from "../../learners/data/preprocess.ts";
import { RealEpisodes } from "../../learners/tasks/real_episodes.ts";
import {
  SyntheticClassification,
  type SyntheticClassificationOptions,
} from "../../learners/tasks/synthetic_classification.ts";
import type { TaskFamily } from "../../learners/tasks/task_family.ts";
import type { LearnedOptimizer } from "../learned_optimizer.ts";
import type { UnrollResult } from "../learned_optimizer_unroll.ts";
import { compare, meanOf, variance } from "./compare.ts";
import type { L2oConfig, LearnedMethod } from "./config.ts";
import type { TunedMethod } from "./tune_phase.ts";

/** An evaluation family: its display name, shift size (NaN for real data) and task family. */
export interface EvalFamily {
  /** Display name. */
  name: string;
  /** Shift size (0 for A, NaN for real data). */
  shift: number;
  /** The task family. */
  family: TaskFamily;
}

/** Family A, the shifted families B and (when enabled and present) Fashion-MNIST. */
export async function evaluationFamilies(
  c: L2oConfig,
  familyA: TaskFamily,
  famOpts: SyntheticClassificationOptions,
  log: (line: string) => void,
): Promise<EvalFamily[]> {
  const families: EvalFamily[] = [
    { name: "A", shift: 0, family: familyA },
    ...c.shifts.map((s) => ({
      name: `B(shift ${s})`,
      shift: s,
      family: new SyntheticClassification({
        ...famOpts,
        shift: { offset: s, rotation: 0.5 * s, scale: 1 + 0.5 * s, labelNoise: 0 },
        name: `B${s}`,
      }) as TaskFamily,
    })),
  ];
  if (c.fashion.enabled && fashionMnistAvailable("test")) {
    const img = downsample(await loadFashionMnist("test"), c.fashion.downsample);
    families.push({
      name: "Fashion-MNIST",
      shift: NaN,
      family: new RealEpisodes(img, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], {
        ways: c.fashion.ways,
        shots: c.fashion.shots,
        queryPerClass: c.fashion.queryPerClass,
        name: "fashion",
      }),
    });
  } else if (c.fashion.enabled) {
    log("Fashion-MNIST files absent: skipping the real-data evaluation");
  }
  return families;
}

/** One method's per-seed values on one family. */
interface PerSeed {
  steps: number[];
  reached: number[];
  final: number[];
  query: number[];
  acc: number[];
  gvar: number[];
  curves: number[][];
  diverged: number;
}

/** Adds one seed's results of method `mi` (of M) to `pm`. */
function addSeed(pm: PerSeed, r: UnrollResult, mi: number, M: number, c: L2oConfig): void {
  const cap = c.es.divergedLoss;
  const st: number[] = [];
  const fin: number[] = [];
  const q: number[] = [];
  const a: number[] = [];
  const gv: number[] = [];
  let reached = 0;
  const curve = new Array<number>(r.x.length).fill(0);
  for (let t = 0; t < c.tasks; t++) {
    const p = t * M + mi;
    const loss = r.loss[p]!;
    const i = loss.findIndex((v) => v <= c.threshold);
    st.push(i >= 0 ? r.x[i]! : c.steps);
    if (i >= 0) reached++;
    fin.push(Number.isFinite(loss.at(-1)!) ? loss.at(-1)! : cap);
    q.push(Number.isFinite(r.queryLoss[p]!) ? r.queryLoss[p]! : cap);
    a.push(r.queryAccuracy[p]!);
    gv.push(variance(r.gradNorm[p]!));
    pm.diverged += r.diverged[p]!;
    loss.forEach((v, k) => {
      const capped = Number.isFinite(v) ? Math.min(v, cap) : cap;
      curve[k] = curve[k]! + capped / c.tasks;
    });
  }
  pm.steps.push(meanOf(st));
  pm.reached.push(reached / c.tasks);
  pm.final.push(meanOf(fin));
  pm.query.push(meanOf(q));
  pm.acc.push(meanOf(a));
  pm.gvar.push(meanOf(gv));
  pm.curves.push(curve);
}

/** One table row of a method on a family (means with 95% CIs over seeds). */
export interface FamilyRow {
  /** A table row: every field is a cell. */
  [key: string]: string | number;
  /** Family name. */
  family: string;
  /** Method. */
  method: TunedMethod["method"];
  /** Tuned learning rate. */
  lr: number;
  /** Mean steps to the loss threshold (censored at the run length). */
  steps_to_threshold: number;
  /** Its 95% CI, low. */
  steps_ci95_low: number;
  /** Its 95% CI, high. */
  steps_ci95_high: number;
  /** Fraction of tasks that reached the threshold. */
  reached_fraction: number;
  /** Mean final training loss. */
  final_train_loss: number;
  /** Its 95% CI, low. */
  final_ci95_low: number;
  /** Its 95% CI, high. */
  final_ci95_high: number;
  /** Mean query loss. */
  query_loss: number;
  /** Its 95% CI, low. */
  query_ci95_low: number;
  /** Its 95% CI, high. */
  query_ci95_high: number;
  /** Mean query accuracy. */
  query_accuracy: number;
  /** Mean variance of the sampled gradient norms. */
  grad_norm_variance: number;
  /** Quarantined models over all seeds. */
  diverged: number;
  /** Seeds. */
  seeds: number;
}

function familyRow(fam: EvalFamily, m: TunedMethod, pm: PerSeed, seeds: number): FamilyRow {
  const st = summarize(pm.steps);
  const fl = summarize(pm.final);
  const ql = summarize(pm.query);
  const gv = summarize(pm.gvar);
  return {
    family: fam.name,
    method: m.method,
    lr: m.lr,
    steps_to_threshold: st.mean,
    steps_ci95_low: st.ci95Low,
    steps_ci95_high: st.ci95High,
    reached_fraction: meanOf(pm.reached),
    final_train_loss: fl.mean,
    final_ci95_low: fl.ci95Low,
    final_ci95_high: fl.ci95High,
    query_loss: ql.mean,
    query_ci95_low: ql.ci95Low,
    query_ci95_high: ql.ci95High,
    query_accuracy: meanOf(pm.acc),
    grad_norm_variance: gv.mean,
    diverged: pm.diverged,
    seeds,
  };
}

/** What the evaluation on one family measured. */
export interface FamilyEvaluation {
  /** One row per method. */
  rows: FamilyRow[];
  /** One loss curve (with its CI band over seeds) per method. */
  series: CurveSeries[];
  /**
   * Per method (row order): its final training loss and steps to threshold on each seed (absent
   * from evaluations checkpointed before 2026-12-04).
   */
  perSeed?: { method: TunedMethod["method"]; final: number[]; steps: number[] }[];
}

/** Evaluates the tuned methods on one family over `c.seeds` seeds. */
export async function evaluateFamily(
  backend: Backend,
  fam: EvalFamily,
  tuned: readonly TunedMethod[],
  learned: Record<LearnedMethod, LearnedOptimizer>,
  c: L2oConfig,
  runSeed: number,
): Promise<FamilyEvaluation> {
  const M = tuned.length;
  const per: PerSeed[] = tuned.map(() => ({
    steps: [],
    reached: [],
    final: [],
    query: [],
    acc: [],
    gvar: [],
    curves: [],
    diverged: 0,
  }));
  let xs: number[] = [];
  for (let s = 0; s < c.seeds; s++) {
    const seed = (runSeed * 1009 + s * 7919 + 17) >>> 0;
    const r = await compare(backend, fam.family, [...tuned], learned, c, { tasks: c.tasks, seed });
    xs = r.x;
    for (let mi = 0; mi < M; mi++) addSeed(per[mi]!, r, mi, M, c);
  }
  return {
    rows: tuned.map((m, mi) => familyRow(fam, m, per[mi]!, c.seeds)),
    series: tuned.map((m, mi) =>
      curveSeries(`${m.method} (lr ${m.lr})`, aggregateCurves(per[mi]!.curves, { x: xs }))
    ),
    perSeed: tuned.map((m, mi) => ({
      method: m.method,
      final: per[mi]!.final,
      steps: per[mi]!.steps,
    })),
  };
}
