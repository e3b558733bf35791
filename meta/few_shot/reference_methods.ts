/**
 * The `meta` experiment's reference methods for one seed x setting, each tuned on
 * meta-validation episodes: the from-scratch baseline (lr x init scale x steps), pixel nearest
 * neighbour (nothing to tune) and the pretrained baseline of Chen et al. 2019 (head lr x steps;
 * the classifier trained once per seed on the meta-train classes and shared by the settings that
 * use the same classes).
 * @module
 */
import { deriveSeed } from "../../core/rng.ts";
import { baselineCurve, bestOfCurves, tuneBaseline } from "./baseline.ts";
import { nearestNeighbourCurve } from "./nearest_neighbour.ts";
import { headCurves, pretrainBody, type PretrainedBody } from "./pretrained.ts";
import type { MethodOutcome, SettingRun } from "./setting_run.ts";

const NO_TRAINING = { valCurve: { x: [], y: [] }, itersPerSecond: NaN, taskBudget: 0 };

/** The from-scratch baseline, tuned on meta-validation episodes. */
export async function runBaseline(r: SettingRun): Promise<MethodOutcome> {
  const { c, s } = r;
  const tuned = await tuneBaseline(r.loop, r.pools.val, r.ids.val, {
    lrs: c.baselineLrs.map((l) => l * s.baselineLrScale),
    initScales: [...new Set([1, s.initScale])],
    maxSteps: c.baselineSteps,
    seed: deriveSeed(r.seed, "tune-baseline"),
    metric: r.metric,
  });
  const o = { ...tuned, steps: c.baselineSteps, seed: deriveSeed(r.seed, "baseline") };
  const curve = await baselineCurve(r.loop, r.pools.test, r.ids.test, o);
  const cross = r.pools.cross ? await baselineCurve(r.loop, r.pools.cross, r.ids.test, o) : null;
  return {
    ...NO_TRAINING,
    curve,
    cross,
    stepsUsed: tuned.steps,
    chosen: { lr: tuned.lr, init_scale: tuned.initScale, steps: tuned.steps },
  };
}

/** Pixel 1-nearest-neighbour on the meta-test (and cross-domain) episodes. */
export function runNearestNeighbour(r: SettingRun): MethodOutcome {
  const nn = (b: typeof r.pools.test) => nearestNeighbourCurve(b.batch, r.ids.test, r.s.regression);
  return {
    ...NO_TRAINING,
    curve: nn(r.pools.test),
    cross: r.pools.cross ? nn(r.pools.cross) : null,
    stepsUsed: 0,
    chosen: {},
  };
}

const bodies = new Map<string, Promise<PretrainedBody>>();

/**
 * The pretrained baseline, or null where the setting's classes are not shared across episodes
 * (sinusoid, synthetic). Head lr and steps are tuned on meta-validation episodes.
 */
export async function runPretrained(r: SettingRun): Promise<MethodOutcome | null> {
  const { c, s } = r;
  if (!s.pretrain || s.regression) return null;
  const key = `${s.pretrain.name}|${r.seed}|${c.hidden.join("-")}|${c.pretrainSteps}`;
  let body = bodies.get(key);
  if (!body) {
    body = pretrainBody(r.backend, s.pretrain, {
      hidden: c.hidden,
      steps: c.pretrainSteps,
      lr: 0.001,
      seed: deriveSeed(r.seed, "pretrain"),
    });
    bodies.set(key, body);
  }
  const b = await body;
  const lrs = c.baselineLrs;
  const val = headCurves(b, r.pools.val.batch, r.ids.val, { lrs, steps: c.evalSteps });
  const best = bestOfCurves(val, "accuracy");
  const lr = lrs[best.index]!;
  const head = { lrs: [lr], steps: c.evalSteps };
  return {
    ...NO_TRAINING,
    curve: headCurves(b, r.pools.test.batch, r.ids.test, head)[0]!,
    cross: r.pools.cross ? headCurves(b, r.pools.cross.batch, r.ids.test, head)[0]! : null,
    stepsUsed: best.steps,
    chosen: { head_lr: lr, steps: best.steps, classes: b.classes, pretrain_steps: c.pretrainSteps },
  };
}

/** Forgets the pretrained classifiers (called at the end of a run). */
export function clearPretrainedCache(): void {
  bodies.clear();
}
