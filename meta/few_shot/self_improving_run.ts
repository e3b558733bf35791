/**
 * The self-improving system in the `meta` experiment's protocol: members start spread over
 * method (FOMAML, Reptile), init scale, inner lr and meta lr; it meta-trains with the same budget
 * (task adaptations) as one static method's tuning and training; at the end the member with the
 * best meta-validation score is tested. Every change it made is returned for the report.
 * @module
 */
import { deriveSeed } from "../../core/rng.ts";
import { tuneIterations } from "./config.ts";
import type { MetricRow } from "../../core/run_dir.ts";
import { bestOfCurves } from "./baseline.ts";
import { initialTheta } from "./meta_learner.ts";
import { SelfImprovingSystem } from "./self_improving.ts";
import { curveMetric, finishOutcome, type MethodOutcome, type SettingRun } from "./setting_run.ts";
import { curveIterations } from "./static_methods.ts";
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

function createSystem(r: SettingRun, theta: Float32Array, iterations: number): SelfImprovingSystem {
  const { c, s } = r;
  return new SelfImprovingSystem(r.loop, theta, {
    members: c.members,
    groups: c.groups,
    methods: ["fomaml", "reptile"],
    metaLrs: { fomaml: c.metaLr.adam, reptile: c.metaLr.reptile },
    innerSteps: { fomaml: 1, reptile: c.innerSteps },
    methodSwitch: 0.1,
    initScale: s.initScale,
    initSpread: c.tune.spread,
    knobs: { innerLr: s.innerLr, innerSteps: 1, metaLr: c.metaLr.adam },
    maxInnerSteps: c.evalSteps,
    selectorTasks: c.trainPool,
    fitness: s.regression ? "negLoss" : "accuracy",
    level2Interval: Math.max(5, Math.floor(iterations / 6)),
    seed: r.seed,
  });
}

/** Runs the self-improving system; yields metric rows (changes last) and returns its outcome. */
export async function* runSelfImproving(
  r: SettingRun,
  changes: StrategyChange[],
): AsyncGenerator<MetricRow, MethodOutcome> {
  const { c } = r;
  const { tasks, iterations } = selfImprovingShape(c);
  const theta = await initialTheta(r.loop, deriveSeed(r.seed, "init"));
  const sys = createSystem(r, theta, iterations);
  const points = curveIterations(iterations, c.curvePoints);
  const valCurve = { x: [] as number[], y: [] as number[] };
  let seconds = 0;
  for (let it = 1; it <= iterations; it++) {
    const ids = sys.pickTasks(tasks, c.trainPool);
    const t0 = performance.now();
    const row = await sys.step(r.pools.train, ids);
    seconds += (performance.now() - t0) / 1000;
    if (!points.has(it)) continue;
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
  }
  const scores: number[] = [];
  for (let m = 0; m < sys.members.length; m++) {
    const v = await sys.evaluateMember(m, r.pools.val, r.ids.val, c.evalSteps);
    const sc = bestOfCurves([v], r.metric, 0).score;
    scores.push(Number.isFinite(sc) ? sc : -Infinity);
  }
  const best = Math.max(0, scores.indexOf(Math.max(...scores)));
  for (const ch of sys.changes) {
    changes.push(ch);
    yield { kind: "change", setting: r.s.name, seed: r.seed, ...ch };
  }
  const mem = sys.members[best]!;
  sys.store.destroy();
  return await finishOutcome(r, {
    evaluate: (pool, ids, steps) => sys.evaluateMember(best, pool, ids, steps),
  }, {
    valCurve,
    itersPerSecond: iterations / Math.max(1e-9, seconds),
    taskBudget: c.members * tasks * iterations,
    chosen: {
      member_method: mem.method,
      inner_lr: mem.knobs.innerLr,
      meta_lr: mem.knobs.metaLr,
      init_scale: mem.initScale,
      inner_steps: mem.knobs.innerSteps,
      iterations,
    },
  });
}
