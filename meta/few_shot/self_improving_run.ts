/**
 * The self-improving system in the `meta` experiment's protocol: members start spread over method
 * (every static meta-learner the setting runs), init scale, inner lr and meta lr; it meta-trains
 * with the same budget (task adaptations) as one static method's tuning and training, scored on the
 * meta-validation episodes at every exploit; the member with the best meta-validation score any
 * scoring saw (as it was then: early stopping, as the static methods' best curve point) is tested.
 * Every change it made is returned for the report.
 * @module
 */
import { STATIC_METHODS, STEPPED_METHODS, tuneIterations } from "./config.ts";
import type { MetricRow } from "../../core/run_dir.ts";
import { type SelfImprovingState, SelfImprovingSystem } from "./self_improving.ts";
import type { MemberMethod } from "./self_improving_options.ts";
import { curveMetric, finishOutcome, type MethodOutcome, type SettingRun } from "./setting_run.ts";
import {
  curveIterations,
  headInitScale,
  headReset,
  startingTheta,
  trainInnerSteps,
} from "./static_methods.ts";
import type { StrategyChange } from "./pbt.ts";

/** Task adaptations of one static method: trials x tuning iterations + the rest of metaIterations. */
export function staticBudget(c: SettingRun["c"]): number {
  const tune = tuneIterations(c);
  return c.metaBatch * (c.tune.trials * tune + c.metaIterations - tune);
}

/** Tasks per member per iteration and iterations of the self-improving system at that budget. */
export function selfImprovingShape(c: SettingRun["c"]): { tasks: number; iterations: number } {
  const tasks = c.memberTasks;
  return { tasks, iterations: Math.max(1, Math.floor(staticBudget(c) / (c.members * tasks))) };
}

/**
 * The members' methods in a setting: the static meta-learners the config runs (ProtoNets only on
 * classification), FOMAML and Reptile when it runs none.
 */
export function memberMethods(c: SettingRun["c"], regression: boolean): MemberMethod[] {
  const m = STATIC_METHODS.filter((x) =>
    c.methods.includes(x) && !(regression && x === "protonet")
  );
  return m.length > 0 ? m : ["fomaml", "reptile"];
}

/**
 * Starting inner steps of the members' methods: the static methods' (`c.innerSteps` for Reptile,
 * `trainInnerSteps` for the others: the config's `trainInnerSteps`, else `paperInnerSteps`, 5 for
 * FOMAML and MAML on episodes of more than 5 ways and 1 elsewhere).
 */
export function memberInnerSteps(
  c: SettingRun["c"],
  s: Pick<SettingRun["s"], "name" | "ways">,
): Partial<Record<MemberMethod, number>> {
  return {
    reptile: c.innerSteps,
    ...Object.fromEntries(STEPPED_METHODS.map((m) => [m, trainInnerSteps(c, m, s)])),
  };
}

/**
 * Exploit interval of the members: the config's, or a quarter of the iterations (at least 1; on
 * glyphs 5w1s meta-validation 0.563 against 0.525 at an eighth, 5 members x 4 tasks, 2026-12-02).
 */
export function memberInterval(c: SettingRun["c"], iterations: number): number {
  return c.memberInterval ?? Math.max(1, Math.round(iterations / 4));
}

/** The self-improving system of one seed x setting with `iterations` meta-iterations (its options from the config). */
export function createSelfImproving(
  r: SettingRun,
  theta: Float32Array,
  iterations: number,
): SelfImprovingSystem {
  const { c, s } = r;
  const methods = memberMethods(c, s.regression);
  const interval = memberInterval(c, iterations);
  const adam = Object.fromEntries(methods.map((m) => [m, c.metaLr.adam]));
  return new SelfImprovingSystem(r.loop, theta, {
    members: c.members,
    groups: c.groups,
    methods,
    metaLrs: { ...adam, reptile: c.metaLr.reptile },
    innerSteps: memberInnerSteps(c, s),
    methodSwitch: c.memberSwitch,
    initScale: s.initScale,
    initSpread: c.tune.spread,
    knobs: { innerLr: s.innerLr, innerSteps: 1, metaLr: c.metaLr.adam },
    memberTasks: c.memberTasks,
    maxInnerSteps: c.evalSteps,
    evalSteps: c.evalSteps,
    interval,
    intervalRange: [Math.max(1, Math.round(interval / 4)), 4 * interval],
    metric: r.metric,
    esSigma: c.esSigma,
    distance: c.protonet,
    headReset: headReset(c, s),
    level2Interval: Math.max(interval, Math.floor(iterations / 6)),
    seed: r.seed,
  });
}

/** Where `runSelfImproving` stands: the last curve point done, its curve and the system's state. */
interface SelfImprovingProgress {
  it: number;
  valCurve: { x: number[]; y: number[] };
  seconds: number;
  sys: SelfImprovingState;
}

/**
 * Runs the self-improving system; yields metric rows (changes last) and returns its outcome. With
 * `r.progress`, it saves its progress after learning-curve points and continues from the progress
 * an interrupted run saved.
 */
export async function* runSelfImproving(
  r: SettingRun,
  changes: StrategyChange[],
): AsyncGenerator<MetricRow, MethodOutcome> {
  const { c } = r;
  const { iterations } = selfImprovingShape(c);
  // As the static methods' (ProtoNet members never read the output layer).
  const theta = await startingTheta(r, headInitScale(c, r.s));
  const sys = createSelfImproving(r, theta, iterations);
  const fitness = { pool: r.pools.val, ids: r.ids.val };
  const saved = r.progress?.resumeFrom<SelfImprovingProgress>();
  if (saved) sys.loadState(saved.sys);
  const valCurve = saved?.valCurve ?? { x: [] as number[], y: [] as number[] };
  let seconds = saved?.seconds ?? 0;
  const points = [...curveIterations(iterations, c.curvePoints)].sort((a, b) => a - b);
  for (const it of points.filter((p) => p > (saved?.it ?? 0))) {
    const t0 = performance.now();
    const row = await sys.advance(r.pools.train, fitness, it, r.pools.protonetTrain);
    seconds += (performance.now() - t0) / 1000;
    const k = sys.knobs.innerSteps;
    const y = curveMetric(r, await sys.evaluate(r.pools.val, r.ids.val, k), k);
    valCurve.x.push(it);
    valCurve.y.push(y);
    yield {
      kind: "meta",
      setting: r.s.name,
      seed: r.seed,
      method: "self-improving",
      iteration: it,
      val_query: y,
      ...row,
    };
    const state = (): SelfImprovingProgress => ({ it, valCurve, seconds, sys: sys.saveState() });
    await r.progress?.maybeSave(state);
  }
  await sys.score(fitness);
  for (const ch of sys.changes) {
    changes.push(ch);
    yield { kind: "change", setting: r.s.name, seed: r.seed, ...ch };
  }
  const { member: mem, iteration: testedAt } = sys.champion()!;
  try {
    return await finishOutcome(r, mem.learner, {
      valCurve,
      itersPerSecond: iterations / Math.max(1e-9, seconds),
      taskBudget: sys.taskAdaptations,
      chosen: {
        member_method: mem.method,
        inner_lr: mem.learner.knobs.innerLr,
        meta_lr: mem.learner.knobs.metaLr,
        init_scale: mem.initScale,
        inner_steps: mem.learner.knobs.innerSteps,
        iterations,
        tested_at: testedAt,
        scorings: sys.scorings,
      },
    });
  } finally {
    sys.release();
  }
}
