/**
 * One seed of one setting of the `meta` experiment (meta/few_shot/experiment.ts): every method
 * meta-trained on the same budget, then adapted to the same held-out test episodes.
 * @module
 */
import type { RunContext } from "../../core/experiment.ts";
import { deriveSeed, Rng } from "../../core/rng.ts";
import type { MetricRow } from "../../core/run_dir.ts";
import { mean } from "../../core/stats.ts";
import type { Backend } from "../../learners/backend.ts";
import { evaluateBaseline, tuneBaseline } from "./baseline.ts";
import { EpisodePool } from "./episode_pool.ts";
import { EsMaml } from "./es_maml.ts";
import { Fomaml } from "./fomaml.ts";
import { type AdaptCurve, InnerLoop } from "./inner_loop.ts";
import { initialTheta, type MetaKnobs, type MetaLearner } from "./meta_learner.ts";
import { MetaSgd } from "./meta_sgd.ts";
import { Reptile } from "./reptile.ts";
import { SelfImprovingSystem } from "./self_improving.ts";

import type { MetaConfig } from "./config.ts";
import type { Setting } from "./settings.ts";

export interface MethodOutcome {
  curve: AdaptCurve;
  valCurve: { x: number[]; y: number[] };
  stepsUsed: number;
  itersPerSecond: number;
}

export async function* runSeedSetting(
  ctx: RunContext<MetaConfig>,
  backend: Backend,
  s: Setting,
  seed: number,
  out: Map<string, MethodOutcome>,
  changes: Record<string, unknown>[],
): AsyncGenerator<MetricRow> {
  const c = ctx.config;
  const loop = new InnerLoop(backend, {
    widths: s.widths,
    batchSize: s.batchSize,
    loss: s.regression ? "mse" : "cross_entropy",
  });
  const trainPool = new EpisodePool(backend, s.train, deriveSeed(seed, "train"), c.trainPool);
  const testPool = new EpisodePool(backend, s.test, deriveSeed(seed, "test"), c.testEpisodes);
  const valPool = new EpisodePool(backend, s.test, deriveSeed(seed, "val"), c.valEpisodes);
  const testIds = Uint32Array.from({ length: c.testEpisodes }, (_, i) => i);
  const valIds = Uint32Array.from({ length: c.valEpisodes }, (_, i) => i);
  const tuneIds = Uint32Array.from({ length: Math.min(c.tuneEpisodes, c.trainPool) }, (_, i) => i);
  const metric = (cv: AdaptCurve, k: number): number =>
    s.regression ? mean(Array.from(cv.loss[k]!)) : mean(Array.from(cv.accuracy[k]!));
  const theta0 = await initialTheta(loop, seed);
  const knobs: MetaKnobs = {
    innerLr: c.innerLr * s.lrScale,
    innerSteps: c.innerSteps,
    metaLr: c.metaLr.adam,
  };
  const key = (m: string): string => `${s.name}|${m}|${seed}`;
  try {
    for (const method of c.methods) {
      const t0 = performance.now();
      if (method === "baseline") {
        const tuned = await tuneBaseline(loop, trainPool, tuneIds, {
          lrs: c.baselineLrs.map((l) => l * s.lrScale),
          maxSteps: c.evalSteps,
          seed: deriveSeed(seed, "tune"),
          metric: s.regression ? "loss" : "accuracy",
        });
        const curve = await evaluateBaseline(loop, testPool, testIds, {
          lr: tuned.lr,
          steps: c.evalSteps,
          seed: deriveSeed(seed, "baseline"),
        });
        out.set(key(method), {
          curve,
          valCurve: { x: [], y: [] },
          stepsUsed: tuned.steps,
          itersPerSecond: NaN,
        });
        yield {
          kind: "tuned",
          setting: s.name,
          seed,
          method,
          lr: tuned.lr,
          steps: tuned.steps,
          score: tuned.accuracy,
        };
        continue;
      }
      const rng = new Rng(deriveSeed(seed, `tasks-${method}`));
      let learner: MetaLearner | SelfImprovingSystem;
      if (method === "reptile") {
        learner = new Reptile(loop, theta0, { ...knobs, metaLr: c.metaLr.reptile });
      } else if (method === "fomaml") learner = new Fomaml(loop, theta0, knobs);
      else if (method === "es-maml") {
        learner = new EsMaml(loop, theta0, knobs, { sigma: c.esSigma, seed });
      } else if (method === "meta-sgd") learner = new MetaSgd(loop, theta0, knobs);
      else {
        learner = new SelfImprovingSystem(loop, theta0, {
          members: c.members,
          groups: c.groups,
          knobs,
          maxInnerSteps: c.evalSteps,
          selectorTasks: c.trainPool,
          fitness: s.regression ? "negLoss" : "accuracy",
          level2Interval: Math.max(5, Math.floor(c.metaIterations / 6)),
          seed,
        });
      }
      const valCurve = { x: [] as number[], y: [] as number[] };
      let trainTime = 0;
      for (let it = 0; it < c.metaIterations; it++) {
        const ids = learner instanceof SelfImprovingSystem
          ? Uint32Array.from(learner.pickTasks(c.metaBatch, c.trainPool))
          : Uint32Array.from({ length: c.metaBatch }, () => rng.int(c.trainPool));
        const ts = performance.now();
        const row = await learner.step(trainPool, ids);
        trainTime += performance.now() - ts;
        if ((it + 1) % c.evalEvery === 0 || it === c.metaIterations - 1) {
          const v = await learner.evaluate(valPool, valIds, learner.knobs.innerSteps);
          const y = metric(v, learner.knobs.innerSteps);
          valCurve.x.push(it + 1);
          valCurve.y.push(y);
          yield {
            kind: "meta",
            setting: s.name,
            seed,
            method,
            iteration: it + 1,
            val_query: y,
            ...row,
          };
        }
      }
      const curve = await learner.evaluate(testPool, testIds, c.evalSteps);
      out.set(key(method), {
        curve,
        valCurve,
        stepsUsed: learner.knobs.innerSteps,
        itersPerSecond: c.metaIterations / (trainTime / 1000),
      });
      if (learner instanceof SelfImprovingSystem) {
        for (const ch of learner.changes) {
          const r = { kind: "change", setting: s.name, seed, ...ch };
          changes.push(r);
          yield r;
        }
      }
      ctx.log(
        `${s.name} seed ${seed} ${method}: ${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
          `test ${s.regression ? "MSE" : "accuracy"} ${
            metric(curve, learner.knobs.innerSteps).toFixed(3)
          }`,
      );
    }
  } finally {
    trainPool.destroy();
    testPool.destroy();
    valPool.destroy();
    loop.destroy();
  }
}
