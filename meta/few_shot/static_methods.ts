/**
 * The static meta-learners of the `meta` experiment under one protocol: for each method, `trials`
 * configurations (the first is the defaults; the others draw inner lr, meta lr and init scale
 * log-uniformly within a factor `spread` of them, and Reptile's inner steps in 1..2x its default;
 * the other methods keep the inner steps their papers train with, `paperInnerSteps`) each
 * meta-train for `tune.fraction` of `metaIterations`; the one with the best meta-validation score
 * continues to `metaIterations`, and is tested as it was at the learning-curve point with its best
 * meta-validation score (early stopping on meta-validation: a configuration that learns fast and
 * then degrades, as Reptile with a large inner step does, is not tested after it degraded). Every
 * method gets the same budget: trials x tuning iterations + the rest of `metaIterations`, in
 * meta-batches.
 * @module
 */
import { deriveSeed, Rng } from "../../core/rng.ts";
import type { MetricRow } from "../../core/run_dir.ts";
import { bestOfCurves } from "./baseline.ts";
import {
  isClassification,
  type MetaConfig,
  type MethodHead,
  type StaticMethod,
  tuneIterations,
} from "./config.ts";
import type { MlpLayout } from "../../learners/mlp/mlp_layout.ts";
import {
  initialTheta,
  type MetaKnobs,
  type MetaLearner,
  type MetaLearnerState,
} from "./meta_learner.ts";
import { createMetaLearner } from "./registry.ts";
import type { Setting } from "./settings.ts";
import { type FewShotMetric, metricScore } from "./metric.ts";
import { staticBudget } from "./self_improving_run.ts";
import { finishOutcome, type MethodOutcome, type SettingRun } from "./setting_run.ts";

/** One tuning trial's hyperparameters. */
export interface TrialConfig extends MetaKnobs {
  /** Scale of the He init's weights. */
  initScale: number;
}

/**
 * Inner SGD steps in meta-training of a method other than Reptile on episodes of `ways` classes,
 * as its paper trains: MAML and its first-order approximation take 1 step on 5-way Omniglot but 5
 * on 20-way Omniglot (Finn et al. 2017, section 5.2); Meta-SGD (learned rates), ES-MAML and
 * ProtoNets (no inner loop) take 1. With 1 step, FOMAML on glyphs 20-way 1-shot stayed at chance
 * (meta-validation query loss ln 20, README "The meta experiment").
 */
export function paperInnerSteps(method: Exclude<StaticMethod, "reptile">, ways: number): number {
  return (method === "fomaml" || method === "maml") && ways > 5 ? 5 : 1;
}

/**
 * Inner SGD steps in meta-training of a method other than Reptile in setting `s`: the config's
 * `trainInnerSteps` for it there, else `paperInnerSteps` for the setting's ways.
 */
export function trainInnerSteps(
  c: MetaConfig,
  method: Exclude<StaticMethod, "reptile">,
  s: Pick<Setting, "name" | "ways">,
): number {
  const own = method === "protonet" ? undefined : c.trainInnerSteps[s.name]?.[method];
  return own ?? paperInnerSteps(method, s.ways);
}

/** What `methodHeads` sets for `method` in setting `s` (nothing for ProtoNets or no method). */
function ownHead(c: MetaConfig, s: Pick<Setting, "name">, method?: StaticMethod): MethodHead {
  if (method === undefined || method === "protonet" || !isClassification(s.name)) return {};
  return c.methodHeads[s.name]?.[method] ?? {};
}

/**
 * The config's `headInitScale` in setting `s` (1 on the sinusoid and where none is set), or the
 * `methodHeads` value of a static `method` where it sets one.
 */
export function headInitScale(
  c: MetaConfig,
  s: Pick<Setting, "name" | "regression">,
  method?: StaticMethod,
): number {
  if (s.name === "sinusoid" || s.regression) return 1;
  return ownHead(c, s, method).headInitScale ?? c.headInitScale[s.name] ?? 1;
}

/**
 * The config's `headReset` in setting `s` (false on the sinusoid and where none is set), or the
 * `methodHeads` value of a static `method` where it sets one.
 */
export function headReset(
  c: MetaConfig,
  s: Pick<Setting, "name" | "regression">,
  method?: StaticMethod,
): boolean {
  if (s.name === "sinusoid" || s.regression) return false;
  return ownHead(c, s, method).headReset ?? c.headReset[s.name] ?? false;
}

/**
 * A copy of the starting initialization `theta` with the output layer's weights times
 * `headInitScale` (`layout`'s last layer; its biases start at 0 already).
 */
export function scaleHead(
  theta: Float32Array,
  layout: MlpLayout,
  headInitScale: number,
): Float32Array<ArrayBuffer> {
  const out = Float32Array.from(theta);
  const l = layout.layers - 1;
  for (let i = layout.weightOffset[l]!; i < layout.biasOffset[l]!; i++) {
    out[i] = out[i]! * headInitScale;
  }
  return out;
}

/**
 * The run's starting initialization: the seeded He/Xavier init of the setting's network (stream
 * "init"), its output layer's weights times `head` (`scaleHead`; 1: the init itself).
 */
export async function startingTheta(r: SettingRun, head: number): Promise<Float32Array> {
  const he = await initialTheta(r.loop, deriveSeed(r.seed, "init"));
  return head === 1 ? he : scaleHead(he, r.loop.layout, head);
}

/** The trial configurations of `method` (see the module doc). */
export function trialConfigs(method: StaticMethod, r: SettingRun): TrialConfig[] {
  const { c, s } = r;
  const rng = new Rng(deriveSeed(r.seed, `trials-${method}`));
  const reptile = method === "reptile";
  const steps = reptile ? c.innerSteps : trainInnerSteps(c, method, s);
  const base: TrialConfig = {
    innerLr: s.innerLr,
    metaLr: reptile ? c.metaLr.reptile : c.metaLr.adam,
    initScale: s.initScale,
    innerSteps: steps,
  };
  const draw = (v: number): number => v * Math.pow(c.tune.spread, rng.range(-1, 1));
  return Array.from({ length: c.tune.trials }, (_, t) =>
    t === 0 ? base : {
      innerLr: draw(base.innerLr),
      metaLr: reptile ? Math.min(1, draw(base.metaLr)) : draw(base.metaLr),
      initScale: draw(base.initScale),
      innerSteps: reptile ? 1 + rng.int(2 * c.innerSteps) : steps,
    });
}

/** Iterations at which the learning curves are read: evenly spaced, the last one included. */
export function curveIterations(total: number, points: number): Set<number> {
  const every = Math.max(1, Math.ceil(total / points));
  const out = new Set<number>();
  for (let it = every; it < total; it += every) out.add(it);
  out.add(total);
  return out;
}

/** A learner in training: its val curve so far, iterations done and training seconds. */
interface Trial {
  index: number;
  learner: MetaLearner;
  config: TrialConfig;
  valCurve: { x: number[]; y: number[] };
  done: number;
  seconds: number;
  seed: number;
  /** Its state at its best learning-curve point so far (meta-validation), and that point. */
  best?: BestPoint;
}

/** A learner's state at a learning-curve point and its meta-validation value there. */
interface BestPoint {
  iteration: number;
  y: number;
  state: MetaLearnerState;
}

/** A trial as a mid-method checkpoint holds it: its place and the learner's training state. */
interface TrialSnapshot extends Pick<Trial, "index" | "valCurve" | "done" | "seconds" | "best"> {
  learner: MetaLearnerState;
}

/**
 * Where `runStatic` stands inside its meta-training: "tune" with every trial started so far (the
 * last one in progress), or "final" with the chosen trial continuing to `metaIterations`.
 */
interface StaticProgress {
  stage: "tune" | "final";
  trials: TrialSnapshot[];
}

/**
 * Meta-trains `t` up to iteration `to` with `MetaLearner.train`, one call per stretch between
 * learning-curve points (validated at its end); yields one metric row per point and calls `save`
 * after every stretch (the state then holds everything a resumed run needs).
 */
async function* metaTrain(
  r: SettingRun,
  method: string,
  t: Trial,
  to: number,
  o: { points: Set<number>; save: () => Promise<void> },
): AsyncGenerator<MetricRow> {
  const { c } = r;
  const points = o.points;
  const validation = { pool: r.pools.val, ids: r.ids.val, metric: r.metric };
  const train = (method === "protonet" ? r.pools.protonetTrain : null) ?? r.pools.train;
  while (t.done < to) {
    let end = t.done + 1;
    while (end < to && !points.has(end)) end++;
    const n = end - t.done;
    const res = await t.learner.train(train, {
      iterations: n,
      metaBatch: c.metaBatch,
      seed: deriveSeed(t.seed, t.done),
      validateEvery: n,
      validation: points.has(end) ? validation : undefined,
    });
    t.seconds += res.seconds;
    t.done = end;
    const row = res.rows.at(-1);
    if (points.has(end) && row) {
      t.valCurve.x.push(end);
      t.valCurve.y.push(row.val_query!);
      keepBest(t, end, row.val_query!, r.metric);
      yield { kind: "meta", setting: r.s.name, seed: r.seed, method, ...row, iteration: end };
    }
    await o.save();
  }
}

/** Keeps `t`'s state when `y` (at iteration `it`) is its best meta-validation value so far. */
function keepBest(t: Trial, it: number, y: number, metric: FewShotMetric): void {
  const was = t.best ? metricScore(t.best.y, metric) : -Infinity;
  const better = Number.isFinite(y) && metricScore(y, metric) > was;
  const state = better ? t.learner.saveState?.() : undefined;
  if (state) t.best = { iteration: it, y, state };
}

/** The trials' snapshots (every learner can save its state). */
function snapshot(trials: Trial[]): TrialSnapshot[] {
  return trials.map((t) => {
    const { index, done, seconds, best } = t;
    const learner = t.learner.saveState!();
    return { index, done, seconds, valCurve: structuredClone(t.valCurve), learner, best };
  });
}

/** Saves `trials` at `stage` when the checkpoint interval has passed (and the learners can). */
async function saveTrials(r: SettingRun, stage: StaticProgress["stage"], trials: Trial[]) {
  if (!r.progress || !trials.every((t) => t.learner.saveState)) return;
  await r.progress.maybeSave((): StaticProgress => ({ stage, trials: snapshot(trials) }));
}

/** The trial with the best meta-validation score (the first on ties or when none is finite). */
async function bestTrial(r: SettingRun, trials: Trial[]): Promise<Trial> {
  const scores = [];
  for (const t of trials) {
    const v = await t.learner.evaluate(r.pools.val, r.ids.val, r.c.evalSteps);
    const sc = bestOfCurves([v], r.metric, 0).score;
    scores.push(Number.isFinite(sc) ? sc : -Infinity);
  }
  return trials[Math.max(0, scores.indexOf(Math.max(...scores)))]!;
}

/**
 * Runs `method` under the protocol; yields metric rows and returns its outcome. With
 * `r.progress`, it saves its progress between learning-curve points and continues from the
 * progress an interrupted run saved.
 */
export async function* runStatic(
  r: SettingRun,
  method: StaticMethod,
): AsyncGenerator<MetricRow, MethodOutcome> {
  const { c } = r;
  const tuneIters = tuneIterations(c);
  const points = curveIterations(c.metaIterations, c.curvePoints);
  // ProtoNets never read the output layer; the gradient-based methods start it at headInitScale
  // on the classification settings.
  const theta0 = await startingTheta(r, method === "protonet" ? 1 : headInitScale(c, r.s, method));
  const configs = trialConfigs(method, r);
  const trial = (index: number, snap?: TrialSnapshot): Trial => {
    const config = configs[index]!;
    const options = {
      ...config,
      sigma: c.esSigma,
      seed: r.seed,
      distance: c.protonet,
      headReset: method !== "protonet" && headReset(c, r.s, method),
    };
    const learner = createMetaLearner(method, r.loop, theta0, options);
    if (snap) learner.loadState!(snap.learner);
    const seed = deriveSeed(r.seed, `tasks-${method}-${index}`);
    const start = { valCurve: { x: [], y: [] }, done: 0, seconds: 0, best: undefined };
    const { valCurve, done, seconds, best } = snap ?? start;
    return { index, learner, config, valCurve, done, seconds, seed, best };
  };
  const saved = r.progress?.resumeFrom<StaticProgress>();
  let best: Trial;
  if (saved?.stage === "final") best = trial(saved.trials[0]!.index, saved.trials[0]);
  else {
    const trials = (saved?.trials ?? []).map((snap) => trial(snap.index, snap));
    const save = () => saveTrials(r, "tune", trials);
    for (let i = 0; i < configs.length; i++) {
      if (!trials[i]) trials.push(trial(i));
      yield* metaTrain(r, method, trials[i]!, tuneIters, { points, save });
    }
    best = await bestTrial(r, trials);
  }
  const save = () => saveTrials(r, "final", [best]);
  yield* metaTrain(r, method, best, c.metaIterations, { points, save });
  if (best.best) best.learner.loadState?.(best.best.state);
  const { innerLr, metaLr, initScale, innerSteps } = best.config;
  return await finishOutcome(r, best.learner, {
    valCurve: best.valCurve,
    itersPerSecond: c.metaIterations / Math.max(1e-9, best.seconds),
    taskBudget: staticBudget(c),
    chosen: {
      inner_lr: innerLr,
      meta_lr: metaLr,
      init_scale: initScale,
      inner_steps: innerSteps,
      tested_at: best.best?.iteration ?? c.metaIterations,
    },
  });
}
