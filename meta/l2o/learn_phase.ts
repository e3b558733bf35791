/**
 * Phase 1 of the l2o experiment: meta-train each learned optimizer on family A (ES or REINFORCE)
 * or load a frozen one, then freeze and save it in the run folder.
 * @module
 */
import type { RunContext } from "../../core/experiment.ts";
import type { MetricRow } from "../../core/run_dir.ts";
import type { Backend } from "../../learners/backend.ts";
import type { TaskFamily } from "../../learners/tasks/task_family.ts";
import {
  defaultNormalization,
  type LearnedOptimizer,
  learnedOptimizerFromWeights,
  loadLearnedOptimizer,
  saveLearnedOptimizer,
} from "../learned_optimizer.ts";
import { type EsConfig, metaTrainEs, metaTrainReinforce } from "../learned_optimizer_training.ts";
import { type L2oConfig, LEARNED_METHODS, type LearnedMethod } from "./config.ts";

/** The learned optimizers and their meta-training histories (empty when loaded). */
export interface Learned {
  /** The frozen optimizer of each learned method. */
  learned: Record<LearnedMethod, LearnedOptimizer>;
  /** Meta-training records per method (one per generation). */
  metaHistory: Record<LearnedMethod, Record<string, number>[]>;
}

/** The frozen learned optimizers a config names by file, read before the run folder exists. */
export type LearnedInputs = Partial<Record<LearnedMethod, LearnedOptimizer>>;

function learnedFiles(c: L2oConfig): Record<LearnedMethod, string | undefined> {
  return {
    "learned": c.learnedOptimizer,
    "learned-reinforce": c.learnedReinforce,
    "learned-per-param": c.learnedPerParam,
  };
}

/** Reads and checks every learned-optimizer file the config names (the experiment's prepare step). */
export async function readLearnedInputs(c: L2oConfig): Promise<LearnedInputs> {
  const files = learnedFiles(c);
  const out: LearnedInputs = {};
  for (const method of Object.keys(LEARNED_METHODS) as LearnedMethod[]) {
    const file = files[method];
    if (file) out[method] = await loadLearnedOptimizer(file, LEARNED_METHODS[method].kind);
  }
  return out;
}

async function loadFrozen(
  method: LearnedMethod,
  file: string,
  inputs: LearnedInputs | undefined,
): Promise<LearnedOptimizer> {
  const kind = LEARNED_METHODS[method].kind;
  const opt = inputs?.[method] ?? await loadLearnedOptimizer(file, kind);
  if (opt.architecture.kind !== kind) {
    throw new TypeError(
      `Invalid learned optimizer for ${method}: kind must be ${kind}: current value is ${opt.architecture.kind}`,
    );
  }
  return opt;
}

/** Meta-trains one learned method on `familyA`; yields its meta-train rows. */
async function* metaTrainMethod(
  ctx: RunContext<L2oConfig>,
  backend: Backend,
  familyA: TaskFamily,
  method: LearnedMethod,
): AsyncGenerator<MetricRow, { opt: LearnedOptimizer; history: Record<string, number>[] }> {
  const c = ctx.config;
  const spec = LEARNED_METHODS[method];
  const t0 = performance.now();
  const rows: MetricRow[] = [];
  const cfg: EsConfig = { ...c.es, model: c.model, kind: spec.kind };
  const onGen = (g: Record<string, number>) => {
    rows.push({ phase: "meta-train", method, ...g });
  };
  const { theta, history } = spec.by === "reinforce"
    ? await metaTrainReinforce(
      backend,
      familyA,
      { ...cfg, metaLr: c.reinforceMetaLr },
      ctx.seed,
      onGen,
    )
    : await metaTrainEs(backend, familyA, cfg, ctx.seed, onGen);
  for (const r of rows) yield r;
  ctx.log(
    `meta-trained ${method} (${spec.kind}, ${spec.by}) in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s: meta-loss ${history[0]?.meta_loss.toFixed(4)} -> ${history.at(-1)?.meta_loss.toFixed(4)}`,
  );
  const opt = learnedOptimizerFromWeights(theta, {
    lr: c.es.lr,
    momentum: c.es.momentum,
    horizon: c.steps,
  }, {
    kind: spec.kind,
    normalization: defaultNormalization(spec.kind),
    info: {
      trainedOn: familyA.name,
      by: spec.by,
      family: c.family,
      model: c.model,
      es: spec.by === "reinforce" ? { ...c.es, metaLr: c.reinforceMetaLr } : c.es,
      seed: ctx.seed,
      finalMetaLoss: history.at(-1)?.meta_loss,
    },
  });
  return { opt, history };
}

/** Meta-trains (or loads) every learned method, saving each; yields the meta-train rows. */
export async function* learnOptimizers(
  ctx: RunContext<L2oConfig, LearnedInputs>,
  backend: Backend,
  familyA: TaskFamily,
): AsyncGenerator<MetricRow, Learned> {
  const c = ctx.config;
  const learned = {} as Record<LearnedMethod, LearnedOptimizer>;
  const metaHistory = {} as Record<LearnedMethod, Record<string, number>[]>;
  const files = learnedFiles(c);
  for (const method of Object.keys(LEARNED_METHODS) as LearnedMethod[]) {
    const file = files[method];
    metaHistory[method] = [];
    if (file) {
      learned[method] = await loadFrozen(method, file, ctx.inputs);
      ctx.log(`loaded ${method} optimizer ${file}`);
    } else {
      const r = yield* metaTrainMethod(ctx, backend, familyA, method);
      learned[method] = r.opt;
      metaHistory[method] = r.history;
    }
    await saveLearnedOptimizer(`${ctx.runDir}/${LEARNED_METHODS[method].file}`, learned[method]);
  }
  return { learned, metaHistory };
}
