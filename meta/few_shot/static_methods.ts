/**
 * The static meta-learners of the `meta` experiment under one protocol: for each method, `trials`
 * configurations (the first is the defaults; the others draw inner lr, meta lr and init scale
 * log-uniformly within a factor `spread` of them, and Reptile's inner steps in 1..2x its default;
 * methods whose paper trains with 1 inner step keep 1) each meta-train for `tune.fraction` of
 * `metaIterations`; the one with the best meta-validation score continues to `metaIterations`.
 * Every method gets the same budget: trials x tuning iterations + the rest of `metaIterations`,
 * in meta-batches.
 * @module
 */
import { deriveSeed, Rng } from "../../core/rng.ts";
import type { MetricRow } from "../../core/run_dir.ts";
import { bestOfCurves } from "./baseline.ts";
import { type StaticMethod, tuneIterations } from "./config.ts";
import { initialTheta, type MetaKnobs, type MetaLearner } from "./meta_learner.ts";
import { createMetaLearner } from "./registry.ts";
import { staticBudget } from "./self_improving_run.ts";
import { finishOutcome, type MethodOutcome, type SettingRun } from "./setting_run.ts";

/** One tuning trial's hyperparameters. */
export interface TrialConfig extends MetaKnobs {
  /** Scale of the He init's weights. */
  initScale: number;
}

/** The trial configurations of `method` (see the module doc). */
export function trialConfigs(method: StaticMethod, r: SettingRun): TrialConfig[] {
  const { c, s } = r;
  const rng = new Rng(deriveSeed(r.seed, `trials-${method}`));
  const reptile = method === "reptile";
  const base: TrialConfig = {
    innerLr: s.innerLr,
    metaLr: reptile ? c.metaLr.reptile : c.metaLr.adam,
    initScale: s.initScale,
    innerSteps: reptile ? c.innerSteps : 1,
  };
  const draw = (v: number): number => v * Math.pow(c.tune.spread, rng.range(-1, 1));
  return Array.from({ length: c.tune.trials }, (_, t) =>
    t === 0 ? base : {
      innerLr: draw(base.innerLr),
      metaLr: reptile ? Math.min(1, draw(base.metaLr)) : draw(base.metaLr),
      initScale: draw(base.initScale),
      innerSteps: reptile ? 1 + rng.int(2 * c.innerSteps) : 1,
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
  learner: MetaLearner;
  config: TrialConfig;
  valCurve: { x: number[]; y: number[] };
  done: number;
  seconds: number;
  seed: number;
}

/**
 * Meta-trains `t` up to iteration `to` with `MetaLearner.train`, one call per stretch between
 * learning-curve points (validated at its end); yields one metric row per point.
 */
async function* metaTrain(
  r: SettingRun,
  method: string,
  t: Trial,
  to: number,
  points: Set<number>,
): AsyncGenerator<MetricRow> {
  const { c } = r;
  const validation = { pool: r.pools.val, ids: r.ids.val, metric: r.metric };
  while (t.done < to) {
    let end = t.done + 1;
    while (end < to && !points.has(end)) end++;
    const n = end - t.done;
    const res = await t.learner.train(r.pools.train, {
      iterations: n,
      metaBatch: c.metaBatch,
      seed: deriveSeed(t.seed, t.done),
      validateEvery: n,
      validation: points.has(end) ? validation : undefined,
    });
    t.seconds += res.seconds;
    t.done = end;
    const row = res.rows.at(-1);
    if (!points.has(end) || !row) continue;
    t.valCurve.x.push(end);
    t.valCurve.y.push(row.val_query!);
    yield { kind: "meta", setting: r.s.name, seed: r.seed, method, ...row, iteration: end };
  }
}

/** Runs `method` under the protocol; yields metric rows and returns its outcome. */
export async function* runStatic(
  r: SettingRun,
  method: StaticMethod,
): AsyncGenerator<MetricRow, MethodOutcome> {
  const { c } = r;
  const tuneIters = tuneIterations(c);
  const points = curveIterations(c.metaIterations, c.curvePoints);
  const theta0 = await initialTheta(r.loop, deriveSeed(r.seed, "init"));
  const trials: Trial[] = [];
  for (const [i, config] of trialConfigs(method, r).entries()) {
    const options = { ...config, sigma: c.esSigma, seed: r.seed, distance: c.protonet };
    const t: Trial = {
      learner: createMetaLearner(method, r.loop, theta0, options),
      config,
      valCurve: { x: [], y: [] },
      done: 0,
      seconds: 0,
      seed: deriveSeed(r.seed, `tasks-${method}-${i}`),
    };
    yield* metaTrain(r, method, t, tuneIters, points);
    trials.push(t);
  }
  const scores = [];
  for (const t of trials) {
    const v = await t.learner.evaluate(r.pools.val, r.ids.val, c.evalSteps);
    const sc = bestOfCurves([v], r.metric, 0).score;
    scores.push(Number.isFinite(sc) ? sc : -Infinity);
  }
  const best = trials[Math.max(0, scores.indexOf(Math.max(...scores)))]!;
  yield* metaTrain(r, method, best, c.metaIterations, points);
  const { innerLr, metaLr, initScale, innerSteps } = best.config;
  return await finishOutcome(r, best.learner, {
    valCurve: best.valCurve,
    itersPerSecond: c.metaIterations / Math.max(1e-9, best.seconds),
    taskBudget: staticBudget(c),
    chosen: { inner_lr: innerLr, meta_lr: metaLr, init_scale: initScale, inner_steps: innerSteps },
  });
}
