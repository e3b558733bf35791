/**
 * The `lr-sweep` experiment: one population of MLPs trained on one synthetic classification
 * task, every model with its own learning rate (log-spaced) and several replicates per rate (a
 * replicate differs in its initialization), all in the same fused dispatch. Reports final query
 * accuracy per learning rate with a 95% CI over replicates, the best and worst rates, and the
 * learning curves.
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { FloatLog } from "../core/float_log.ts";
import type { Experiment, ExperimentResult, RunContext } from "../core/experiment.ts";
import { registerExperiment } from "../core/experiment.ts";
import type { ConfigSchema } from "../core/config_schema.ts";
import { curveSeries } from "../core/plots.ts";
import { aggregateCurves, summarize } from "../core/stats.ts";
import type { MetricRow } from "../core/run_dir.ts";
import type { Backend, Population } from "../learners/backend.ts";
import { backendLabel, createBackend } from "../learners/create_backend.ts";
import type { Knobs } from "../learners/optimizers/knobs.ts";
import { populationStateBlobs, populationStateFromBlobs } from "../learners/population_state.ts";
import { shareInits } from "../learners/shared_inits.ts";
import { loadTaskData, type TaskData, type TaskSourceSpec } from "../learners/task_source.ts";

/** The resolved config of the lr-sweep experiment. */
export interface LrSweepConfig {
  /** gpu, cpu, or auto (the GPU when an adapter exists). */
  backend: "auto" | "gpu" | "cpu";
  /** Number of learning rates, log-spaced from lrMin to lrMax. */
  rates: number;
  /** Smallest learning rate. */
  lrMin: number;
  /** Largest learning rate. */
  lrMax: number;
  /** Models per learning rate (different initializations). */
  replicates: number;
  /** Optimizer of every model. */
  optimizer: "sgd" | "momentum" | "adam";
  /** Hidden widths (1 to 3 layers). */
  hidden: number[];
  /** Hidden nonlinearity. */
  activation: "relu" | "tanh";
  /** Minibatch size per model-step. */
  batchSize: number;
  /** Train steps per model. */
  steps: number;
  /** Steps between evaluations on the test points. */
  evalEvery: number;
  /** Evaluations between checkpoints (for --resume). */
  checkpointEvery: number;
  /** Also checkpoint after an evaluation when this many seconds passed since the last one. */
  checkpointSeconds: number;
  /** The task: a synthetic family or a data set (learners/task_source.ts). */
  task: TaskSourceSpec;
}

/** Config schema of the lr-sweep experiment (defaults filled by parsing). */
export const LR_SWEEP_SCHEMA: ConfigSchema<LrSweepConfig> = z.object({
  backend: z.enum(["auto", "gpu", "cpu"]).default("auto"),
  rates: z.number().int().min(2).max(256).default(12),
  lrMin: z.number().positive().max(100).default(1e-3),
  lrMax: z.number().positive().max(100).default(30),
  replicates: z.number().int().min(1).max(64).default(4),
  optimizer: z.enum(["sgd", "momentum", "adam"]).default("sgd"),
  hidden: z.array(z.number().int().min(1).max(256)).min(1).max(3).default([32]),
  activation: z.enum(["relu", "tanh"]).default("relu"),
  batchSize: z.number().int().min(1).max(1024).default(32),
  steps: z.number().int().min(1).max(1_000_000).default(600),
  evalEvery: z.number().int().min(1).max(1_000_000).default(50),
  checkpointEvery: z.number().int().min(1).max(1_000_000).default(4),
  checkpointSeconds: z.number().min(0).max(3600).default(60),
  task: z.object({
    family: z.enum([
      "synthetic",
      "sinusoid",
      "fashion-mnist",
      "mnist",
      "idx",
      "image-folder",
      "glyphs",
    ])
      .default("synthetic"),
    inputs: z.number().int().min(1).max(256).default(16),
    ways: z.number().int().min(0).max(256).default(5),
    trainPerClass: z.number().int().min(1).max(100_000).default(200),
    testPerClass: z.number().int().min(1).max(100_000).default(100),
    difficulty: z.number().min(0).max(1).default(0.6),
    downsample: z.number().int().min(1).max(8).default(2),
    images: z.string().min(1).optional(),
    labels: z.string().min(1).optional(),
    root: z.string().min(1).optional(),
  }).default({}),
}).refine((c) => c.lrMin < c.lrMax, { message: "lrMin must be < lrMax", path: ["lrMin"] });

/** Learning rate of rate index r: log-spaced from lrMin to lrMax. */
export function sweepRate(c: LrSweepConfig, r: number): number {
  return c.lrMin * Math.pow(c.lrMax / c.lrMin, r / (c.rates - 1));
}

/** The loop position and curves saved in a checkpoint (the population state goes in blobs). */
interface LrSweepCheckpoint {
  step: number;
  round: number;
  /** Evaluations so far: rows of the score log (checkpoint/scores.f64), not held in state.json. */
  evals: number;
}

/** The learning curves read back from the score log: eval steps and one curve per model. */
interface SweepCurves {
  xs: number[];
  curves: number[][];
}

/** What every phase of a sweep reads: the config, the task and the score column. */
interface Sweep {
  c: LrSweepConfig;
  task: TaskData;
  /** The score column: query accuracy, or minus the test MSE for regression. */
  key: string;
  /** Its label in the report. */
  label: string;
  /** Chance accuracy (NaN for regression). */
  chance: number;
  /** Models: rates * replicates. */
  P: number;
  /** The backend that ran (backendLabel), for the summary. */
  ranOn: string;
}

/**
 * The population: every model with its rate's knobs. Model q * rates + r (replicate q of rate r)
 * starts from the init of model number q, and the batch keys of runLrSweep give it replicate q's minibatches
 * (common random numbers): the rates of a replicate differ in their learning rate alone.
 */
function createSweepPopulation(s: Sweep, backend: Backend, seed: number): Population {
  const { c, task, P } = s;
  const pop = backend.createPopulation({
    size: P,
    widths: [task.dataset.inputs, ...c.hidden, task.outputs],
    activation: c.activation,
    loss: task.regression ? "mse" : "cross_entropy",
    batchSize: c.batchSize,
  });
  shareInits(pop, { seed, source: (p) => Math.floor(p / c.rates) });
  const knobs: Knobs[] = [];
  for (let p = 0; p < P; p++) knobs.push({ lr: sweepRate(c, p % c.rates), optimizer: c.optimizer });
  pop.setKnobs(knobs);
  return pop;
}

/** Every model's score at this evaluation. */
function modelScores(
  s: Sweep,
  ev: { loss: Float32Array; accuracy: Float32Array },
  diverged: Uint8Array,
): number[] {
  const scores: number[] = [];
  for (let p = 0; p < s.P; p++) {
    // The score: query accuracy, or minus the test loss for regression. A quarantined
    // (diverged) model counts as chance accuracy (as no score for regression).
    const bad = diverged[p] || !Number.isFinite(ev.loss[p]!);
    scores.push(s.task.regression ? (bad ? NaN : -ev.loss[p]!) : bad ? s.chance : ev.accuracy[p]!);
  }
  return scores;
}

/** One metrics row per rate at `step`: mean score with its 95% CI, mean loss, diverged count. */
function rateRows(
  s: Sweep,
  step: number,
  scores: number[],
  ev: { loss: Float32Array },
  diverged: Uint8Array,
): MetricRow[] {
  const { c, key } = s;
  const rows: MetricRow[] = [];
  for (let r = 0; r < c.rates; r++) {
    const accs = [];
    const losses = [];
    let lost = 0;
    for (let q = 0; q < c.replicates; q++) {
      const p = q * c.rates + r;
      accs.push(scores[p]!);
      if (diverged[p] || !Number.isFinite(ev.loss[p]!)) lost++;
      else losses.push(ev.loss[p]!);
    }
    const sm = summarize(accs);
    rows.push({
      step,
      lr: sweepRate(c, r),
      [key]: sm.mean,
      [`${key}_ci_low`]: sm.ci95Low,
      [`${key}_ci_high`]: sm.ci95High,
      loss: losses.length > 0 ? summarize(losses).mean : NaN,
      diverged: lost,
    });
  }
  return rows;
}

async function* runLrSweep(
  ctx: RunContext<LrSweepConfig, TaskData>,
): AsyncGenerator<MetricRow, ExperimentResult> {
  const c = ctx.config;
  const backend = await createBackend(c.backend, (l) => ctx.log(l));
  ctx.log(backend.describe());
  const task = ctx.inputs ?? await loadTaskData(c.task, ctx.seed);
  ctx.log(task.description);
  const { train, test, outputs, regression } = task;
  const data = backend.uploadDataset(task.dataset);
  const s: Sweep = {
    c,
    task,
    key: regression ? "neg_test_mse" : "accuracy",
    label: regression ? "minus test MSE" : "query accuracy",
    chance: regression ? NaN : 1 / outputs,
    P: c.rates * c.replicates,
    ranOn: backendLabel(backend),
  };
  const P = s.P;
  const pop = createSweepPopulation(s, backend, ctx.seed);
  const testIdx = new Uint32Array(P * test);
  for (let p = 0; p < P; p++) for (let i = 0; i < test; i++) testIdx[p * test + i] = train + i;
  const ranges = new Uint32Array(2 * P);
  for (let p = 0; p < P; p++) ranges[2 * p + 1] = train;
  // Replicate q's minibatch stream, shared by its rates.
  const keys = Uint32Array.from({ length: P }, (_, p) => Math.floor(p / c.rates));
  let st: LrSweepCheckpoint = { step: 0, round: 0, evals: 0 };
  let diverged: Uint8Array = new Uint8Array(P);
  // Resume: the checkpoint holds the loop position and the population state; the curves so far
  // are in the score log (step, then every model's score, one row per evaluation).
  const saved = await ctx.loadCheckpoint<LrSweepCheckpoint>();
  if (saved) {
    st = saved.state;
    pop.writeState(populationStateFromBlobs(saved.blobs));
    diverged = (await pop.readMetrics()).diverged;
    ctx.log(`resumed at step ${st.step}`);
  }
  const log = await FloatLog.open(join(ctx.checkpointDir, "scores.f64"), 1 + P, st.evals);
  let lastSave = performance.now();
  while (st.step < c.steps) {
    const k = Math.min(c.evalEvery, c.steps - st.step);
    // Fresh minibatches for this chunk, drawn on the backend from the training rows.
    pop.sampleBatches({ seed: ctx.seed, round: st.round, numBatches: k, ranges, keys });
    st.round++;
    pop.train(data, k);
    st.step += k;
    const ev = await pop.evaluate(data, testIdx);
    diverged = (await pop.readMetrics()).diverged;
    const scores = modelScores(s, ev, diverged);
    await log.append([st.step, ...scores]);
    st.evals++;
    yield* rateRows(s, st.step, scores, ev, diverged);
    // Every checkpointEvery evaluations, and at least every checkpointSeconds of work (a
    // checkpoint only reads state: where it falls does not change the results).
    const due = st.evals % c.checkpointEvery === 0 ||
      performance.now() - lastSave >= 1000 * c.checkpointSeconds;
    if (due && st.step < c.steps) {
      await ctx.saveCheckpoint({ ...st }, populationStateBlobs(await pop.readState()));
      lastSave = performance.now();
    }
  }
  pop.destroy();
  data.destroy();
  backend.destroy();
  const rows = await log.readAll();
  const curves = Array.from({ length: P }, (_, p) => rows.map((row) => row[1 + p]!));
  return sweepResult(ctx, s, { xs: rows.map((row) => row[0]!), curves }, diverged);
}

/** Final score per rate (mean and 95% CI over replicates). */
function finalRows(s: Sweep, curves: number[][]): Record<string, number>[] {
  const { c, key } = s;
  const rows = [];
  for (let r = 0; r < c.rates; r++) {
    const accs = [];
    for (let q = 0; q < c.replicates; q++) accs.push(curves[q * c.rates + r]!.at(-1)!);
    const sm = summarize(accs);
    rows.push({
      lr: sweepRate(c, r),
      [key]: sm.mean,
      ci95_low: sm.ci95Low,
      ci95_high: sm.ci95High,
      n: sm.n,
    });
  }
  return rows;
}

/** The report of a finished sweep: best and worst rates, score per rate, learning curves. */
function sweepResult(
  ctx: RunContext<LrSweepConfig>,
  s: Sweep,
  st: SweepCurves,
  diverged: Uint8Array,
): ExperimentResult {
  const { c, task, key, label, P } = s;
  const { curves, xs } = st;
  const rows = finalRows(s, curves);
  // Rank by score; a rate whose score is NaN (diverged regression) ranks last.
  const rank = (row: Record<string, number>) => (Number.isNaN(row[key]!) ? -Infinity : row[key]!);
  const best = rows.reduce((a, b) => (rank(b) > rank(a) ? b : a));
  const worst = rows.reduce((a, b) => (rank(b) < rank(a) ? b : a));
  ctx.log(`best learning rate ${best.lr!.toPrecision(3)}: ${label} ${best[key]!.toFixed(3)}`);
  ctx.log(`worst learning rate ${worst.lr!.toPrecision(3)}: ${label} ${worst[key]!.toFixed(3)}`);
  const shown = [0, Math.floor((c.rates - 1) / 2), rows.indexOf(best), c.rates - 1];
  const series = [...new Set(shown)].map((r) => {
    const band = aggregateCurves(
      Array.from({ length: c.replicates }, (_, q) => curves[q * c.rates + r]!),
      { x: xs },
    );
    return curveSeries(`lr ${sweepRate(c, r).toPrecision(3)}`, band);
  });
  return {
    title: `Learning-rate sweep: ${task.description}`,
    summary: {
      backend: s.ranOn,
      best_lr: best.lr!,
      [`best_${key}`]: best[key]!,
      worst_lr: worst.lr!,
      [`worst_${key}`]: worst[key]!,
      models: P,
      diverged: diverged.reduce((a, b) => a + b, 0),
      chance: s.chance,
    },
    tables: [{ title: `Final ${label} per learning rate (mean and 95% CI over replicates)`, rows }],
    plots: {
      score_vs_lr: {
        kind: "bars",
        title: `Final ${label} per learning rate`,
        xLabel: "learning rate",
        yLabel: label,
        bars: rows.map((r) => ({
          label: r.lr!.toPrecision(2),
          value: r[key]!,
          low: r.ci95_low!,
          high: r.ci95_high!,
        })),
      },
      learning_curves: {
        kind: "curves",
        title: `${label} during training (95% CI over replicates)`,
        xLabel: "step",
        yLabel: label,
        series,
      },
    },
    sections: [{ title: "Method", body: sweepMethod(s) }],
  };
}

function sweepMethod(s: Sweep): string {
  const { c, task, P } = s;
  return `${P} MLPs (${[task.dataset.inputs, ...c.hidden, task.outputs].join("-")}, ` +
    `${c.activation}, ${c.optimizer}) trained together for ${c.steps} steps with batch ` +
    `${c.batchSize}; ${c.rates} learning rates log-spaced in [${c.lrMin}, ${c.lrMax}], ` +
    `${c.replicates} replicates each (different initializations). Task: ${task.description}; ` +
    `${task.train} training and ${task.test} test rows. Quarantined (diverged) models count as ` +
    `chance accuracy (classification) or as no score (regression).`;
}

/** The registered lr-sweep experiment. */
export const LR_SWEEP: Experiment<LrSweepConfig, TaskData> = registerExperiment({
  name: "lr-sweep",
  description:
    "A population with a spread of learning rates on one task (a synthetic family or a data set)",
  schema: LR_SWEEP_SCHEMA,
  scales: {
    smoke: {
      rates: 4,
      replicates: 2,
      steps: 40,
      evalEvery: 20,
      task: { trainPerClass: 40, testPerClass: 20 },
    },
    full: { rates: 32, replicates: 16, steps: 5000, evalEvery: 250 },
  },
  progress: { metric: "accuracy", goal: "max", unit: "step" },
  steps: (c: LrSweepConfig) => c.steps,
  // The task (data files included) is read and checked before the run folder exists.
  prepare: (c: LrSweepConfig, run: { seed: number }) => loadTaskData(c.task, run.seed),
  run: runLrSweep,
});
