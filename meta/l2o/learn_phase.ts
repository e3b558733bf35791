/**
 * Phase 1 of the l2o experiment: meta-train each learned optimizer on family A (ES or REINFORCE)
 * or load a frozen one, then freeze and save it in the run folder. Checkpoints after every
 * generation and every method (`--resume` continues from the last one).
 * @module
 */
import { join } from "node:path";
import type { RunContext } from "../../core/experiment.ts";
import { FloatLog } from "../../core/float_log.ts";
import type { PhaseCheckpoints } from "../../core/phase_checkpoints.ts";
import type { Backend } from "../../learners/backend.ts";
import type { TaskFamily } from "../../learners/tasks/task_family.ts";
import {
  defaultNormalization,
  type LearnedOptimizer,
  learnedOptimizerFromWeights,
  loadLearnedOptimizer,
  saveLearnedOptimizer,
} from "../learned_optimizer.ts";
import {
  type EsConfig,
  type EsProgress,
  generationColumns,
  metaTrainEs,
  metaTrainReinforce,
} from "../learned_optimizer_training.ts";
import { type L2oConfig, LEARNED_METHODS, type LearnedMethod } from "./config.ts";

/** Generations of a method's meta-training history kept for the plots and the summary. */
export const META_HISTORY_POINTS = 2000;

/** The learned optimizers and their meta-training histories (empty when loaded). */
export interface Learned {
  /** The frozen optimizer of each learned method. */
  learned: Record<LearnedMethod, LearnedOptimizer>;
  /**
   * Meta-training records per method: every generation's, or META_HISTORY_POINTS of them evenly
   * spaced (the first and the last included) when there are more; every generation's record is
   * a metrics.csv row.
   */
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

/** Where the meta-training of one method stands: the ES progress and the rows of its log. */
interface MethodProgress {
  /** The progress that continues meta-training exactly. */
  es: EsProgress;
  /** Generation records in the method's log. */
  rows: number;
}

/**
 * Meta-trains one learned method on `familyA`, emitting a row and saving a checkpoint after every
 * generation (a resumed run continues from the last one). The generation records go to an
 * append-only log in the checkpoint folder, not into the checkpoint's state nor into memory: the
 * history returned is read back from it, at most META_HISTORY_POINTS records.
 */
async function metaTrainMethod(
  ctx: RunContext<L2oConfig>,
  backend: Backend,
  familyA: TaskFamily,
  method: LearnedMethod,
  ck: PhaseCheckpoints,
): Promise<{ opt: LearnedOptimizer; history: Record<string, number>[] }> {
  const c = ctx.config;
  const spec = LEARNED_METHODS[method];
  const t0 = performance.now();
  const cfg: EsConfig = { ...c.es, model: c.model, kind: spec.kind };
  const columns = generationColumns(spec.by);
  const logPath = join(ctx.checkpointDir, `meta-train-${method}.f64`);
  const name = `learn:${method}`;
  const done = await ck.phase(name, async () => {
    const saved = ck.progress<MethodProgress>(name);
    const log = await FloatLog.open(logPath, columns.length, saved?.rows ?? 0);
    const onGen = async (g: Record<string, number>, _: unknown, es: EsProgress) => {
      await ctx.emit({ phase: "meta-train", method, ...g });
      await log.append(columns.map((k) => g[k]!));
      if (es.next < cfg.generations) await ck.saveProgress(name, { es, rows: log.rows });
    };
    const run = { seed: ctx.seed, onGeneration: onGen, resume: saved?.es };
    const theta = await trainWeights(backend, familyA, c, method, run);
    return { theta: Array.from(theta), rows: log.rows };
  });
  const log = await FloatLog.open(logPath, columns.length, done.rows);
  const history = (await log.sample(META_HISTORY_POINTS)).map(({ values }) =>
    Object.fromEntries(columns.map((k, i) => [k, values[i]!]))
  );
  ctx.log(
    `meta-trained ${method} (${spec.kind}, ${spec.by}) in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s: meta-loss ${history[0]?.meta_loss?.toFixed(4)} -> ${
      history.at(-1)?.meta_loss?.toFixed(4)
    }`,
  );
  const opt = frozenOptimizer(c, familyA, method, done.theta, {
    seed: ctx.seed,
    finalMetaLoss: history.at(-1)?.meta_loss,
  });
  return { opt, history };
}

/** What a meta-training run of one method is given beside the family and config. */
export interface WeightsRun {
  seed: number;
  onGeneration?: (g: Record<string, number>, theta: unknown, es: EsProgress) => Promise<void>;
  resume?: EsProgress;
}

/** Meta-trains `method`'s weights on `familyA` (ES or REINFORCE, as LEARNED_METHODS says). */
export async function trainWeights(
  backend: Backend,
  familyA: TaskFamily,
  c: L2oConfig,
  method: LearnedMethod,
  run: WeightsRun,
): Promise<Float64Array> {
  const spec = LEARNED_METHODS[method];
  const cfg: EsConfig = { ...c.es, model: c.model, kind: spec.kind };
  const r = { ...run, keepHistory: false };
  const { theta } = spec.by === "reinforce"
    ? await metaTrainReinforce(backend, familyA, {
      ...r,
      config: { ...cfg, metaLr: c.reinforceMetaLr },
    })
    : await metaTrainEs(backend, familyA, { ...r, config: cfg });
  return theta;
}

/** The frozen optimizer of `method` with meta-trained weights `theta`. */
export function frozenOptimizer(
  c: L2oConfig,
  familyA: TaskFamily,
  method: LearnedMethod,
  theta: ArrayLike<number>,
  info: { seed: number; finalMetaLoss?: number },
): LearnedOptimizer {
  const spec = LEARNED_METHODS[method];
  return learnedOptimizerFromWeights(Array.from(theta), {
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
      seed: info.seed,
      finalMetaLoss: info.finalMetaLoss,
    },
  });
}

/**
 * Meta-trains (or loads) every learned method, saving each and emitting the meta-train rows; a
 * method finished in a checkpoint is not meta-trained again.
 */
export async function learnOptimizers(
  ctx: RunContext<L2oConfig, LearnedInputs>,
  backend: Backend,
  familyA: TaskFamily,
  ck: PhaseCheckpoints,
): Promise<Learned> {
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
      const r = await metaTrainMethod(ctx, backend, familyA, method, ck);
      learned[method] = r.opt;
      metaHistory[method] = r.history;
    }
    await saveLearnedOptimizer(`${ctx.runDir}/${LEARNED_METHODS[method].file}`, learned[method]);
  }
  return { learned, metaHistory };
}
