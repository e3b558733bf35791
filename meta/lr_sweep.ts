/**
 * The `lr-sweep` experiment: one population of MLPs trained on one synthetic classification
 * task, every model with its own learning rate (log-spaced) and several replicates per rate (a
 * replicate differs in its initialization), all in the same fused dispatch. Reports final query
 * accuracy per learning rate with a 95% CI over replicates, the best and worst rates, and the
 * learning curves.
 * @module
 */
import { z } from "zod";
import type { Experiment, ExperimentResult, RunContext } from "../core/experiment.ts";
import { registerExperiment } from "../core/experiment.ts";
import type { ConfigSchema } from "../core/config_schema.ts";
import { curveSeries } from "../core/plots.ts";
import { aggregateCurves, summarize } from "../core/stats.ts";
import type { MetricRow } from "../core/run_dir.ts";
import { createBackend } from "../learners/create_backend.ts";
import type { Knobs } from "../learners/optimizers/knobs.ts";
import { populationStateBlobs, populationStateFromBlobs } from "../learners/population_state.ts";
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
  curves: number[][];
  xs: number[];
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
  const chance = regression ? NaN : 1 / outputs;
  // The score column: query accuracy, or minus the test MSE for regression.
  const key = regression ? "neg_test_mse" : "accuracy";
  const label = regression ? "minus test MSE" : "query accuracy";
  const P = c.rates * c.replicates;
  const pop = backend.createPopulation({
    size: P,
    widths: [task.dataset.inputs, ...c.hidden, outputs],
    activation: c.activation,
    loss: regression ? "mse" : "cross_entropy",
    batchSize: c.batchSize,
  });
  pop.init(ctx.seed);
  const knobs: Knobs[] = [];
  for (let p = 0; p < P; p++) knobs.push({ lr: sweepRate(c, p % c.rates), optimizer: c.optimizer });
  pop.setKnobs(knobs);
  const testIdx = new Uint32Array(P * test);
  for (let p = 0; p < P; p++) for (let i = 0; i < test; i++) testIdx[p * test + i] = train + i;
  const ranges = new Uint32Array(2 * P);
  for (let p = 0; p < P; p++) ranges[2 * p + 1] = train;
  const chunk = c.evalEvery;
  let curves: number[][] = Array.from({ length: P }, () => []);
  let xs: number[] = [];
  let round = 0;
  let step = 0;
  let diverged: Uint8Array = new Uint8Array(P);
  // Resume: the checkpoint holds the loop position, the curves so far and the population state.
  const saved = await ctx.loadCheckpoint<LrSweepCheckpoint>();
  if (saved) {
    ({ step, round, curves, xs } = saved.state);
    pop.writeState(populationStateFromBlobs(saved.blobs));
    diverged = (await pop.readMetrics()).diverged;
    ctx.log(`resumed at step ${step}`);
  }
  while (step < c.steps) {
    const k = Math.min(chunk, c.steps - step);
    // Fresh minibatches for this chunk, drawn on the backend from the training rows.
    pop.sampleBatches({ seed: ctx.seed, round, numBatches: k, ranges });
    round++;
    pop.train(data, k);
    step += k;
    const ev = await pop.evaluate(data, testIdx);
    diverged = (await pop.readMetrics()).diverged;
    xs.push(step);
    for (let p = 0; p < P; p++) {
      // A quarantined (diverged) model counts as chance accuracy.
      // The score: query accuracy, or minus the test loss for regression. A quarantined
      // (diverged) model counts as chance accuracy (as no score for regression).
      const bad = diverged[p] || !Number.isFinite(ev.loss[p]!);
      const score = regression ? (bad ? NaN : -ev.loss[p]!) : bad ? chance : ev.accuracy[p]!;
      curves[p]!.push(score);
    }
    for (let r = 0; r < c.rates; r++) {
      const accs = [];
      const losses = [];
      let lost = 0;
      for (let q = 0; q < c.replicates; q++) {
        const p = q * c.rates + r;
        accs.push(curves[p]!.at(-1)!);
        if (diverged[p] || !Number.isFinite(ev.loss[p]!)) lost++;
        else losses.push(ev.loss[p]!);
      }
      const s = summarize(accs);
      yield {
        step,
        lr: sweepRate(c, r),
        [key]: s.mean,
        [`${key}_ci_low`]: s.ci95Low,
        [`${key}_ci_high`]: s.ci95High,
        loss: losses.length > 0 ? summarize(losses).mean : NaN,
        diverged: lost,
      };
    }
    if (xs.length % c.checkpointEvery === 0 && step < c.steps) {
      const state: LrSweepCheckpoint = { step, round, curves, xs };
      await ctx.saveCheckpoint(state, populationStateBlobs(await pop.readState()));
    }
  }
  pop.destroy();
  data.destroy();
  backend.destroy();
  // Final score per rate.
  const rows = [];
  for (let r = 0; r < c.rates; r++) {
    const accs = [];
    for (let q = 0; q < c.replicates; q++) accs.push(curves[q * c.rates + r]!.at(-1)!);
    const s = summarize(accs);
    rows.push({
      lr: sweepRate(c, r),
      [key]: s.mean,
      ci95_low: s.ci95Low,
      ci95_high: s.ci95High,
      n: s.n,
    });
  }
  // Rank by score; a rate whose score is NaN (diverged regression) ranks last.
  const rank = (row: Record<string, number>) => (Number.isNaN(row[key]!) ? -Infinity : row[key]!);
  const best = rows.reduce((a, b) => (rank(b) > rank(a) ? b : a));
  const worst = rows.reduce((a, b) => (rank(b) < rank(a) ? b : a));
  ctx.log(`best learning rate ${best.lr.toPrecision(3)}: ${label} ${best[key]!.toFixed(3)}`);
  ctx.log(`worst learning rate ${worst.lr.toPrecision(3)}: ${label} ${worst[key]!.toFixed(3)}`);
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
      best_lr: best.lr,
      [`best_${key}`]: best[key]!,
      worst_lr: worst.lr,
      [`worst_${key}`]: worst[key]!,
      models: P,
      diverged: diverged.reduce((a, b) => a + b, 0),
      chance,
    },
    tables: [{ title: `Final ${label} per learning rate (mean and 95% CI over replicates)`, rows }],
    plots: {
      score_vs_lr: {
        kind: "bars",
        title: `Final ${label} per learning rate`,
        xLabel: "learning rate",
        yLabel: label,
        bars: rows.map((r) => ({
          label: r.lr.toPrecision(2),
          value: r[key]!,
          low: r.ci95_low,
          high: r.ci95_high,
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
    sections: [{
      title: "Method",
      body:
        `${P} MLPs (${[task.dataset.inputs, ...c.hidden, outputs].join("-")}, ${c.activation}, ` +
        `${c.optimizer}) trained together for ${c.steps} steps with batch ${c.batchSize}; ` +
        `${c.rates} learning rates log-spaced in [${c.lrMin}, ${c.lrMax}], ${c.replicates} ` +
        `replicates each (different initializations). Task: ${task.description}; ${train} ` +
        `training and ${test} test rows. Quarantined (diverged) models count as chance accuracy ` +
        `(classification) or as no score (regression).`,
    }],
  };
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
