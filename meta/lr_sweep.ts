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
import { curveSeries } from "../core/plots.ts";
import { aggregateCurves, summarize } from "../core/stats.ts";
import type { MetricRow } from "../core/run_dir.ts";
import { createBackend } from "../learners/create_backend.ts";
import type { Knobs } from "../learners/knobs.ts";
import { populationStateBlobs, populationStateFromBlobs } from "../learners/population_state.ts";
import { SyntheticClassification } from "../learners/tasks/synthetic_classification.ts";

/** The resolved config of the lr-sweep experiment. */
export interface LrSweepConfig {
  /** gpu, cpu, or auto (the GPU when an adapter exists). */
  backend: "auto" | "gpu" | "cpu";
  /** Number of learning rates, log-spaced from lrMin to lrMax. */
  rates: number;
  lrMin: number;
  lrMax: number;
  /** Models per learning rate (different initializations). */
  replicates: number;
  optimizer: "sgd" | "momentum" | "adam";
  /** Hidden widths (1 to 3 layers). */
  hidden: number[];
  activation: "relu" | "tanh";
  batchSize: number;
  /** Train steps per model. */
  steps: number;
  /** Steps between evaluations on the test points. */
  evalEvery: number;
  /** Evaluations between checkpoints (for --resume). */
  checkpointEvery: number;
  /** The synthetic classification task. */
  task: {
    inputs: number;
    ways: number;
    trainPerClass: number;
    testPerClass: number;
    difficulty: number;
  };
}

/** Config schema of the lr-sweep experiment (defaults filled by parsing). */
export const LR_SWEEP_SCHEMA: z.ZodType<LrSweepConfig, z.ZodTypeDef, unknown> = z.object({
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
    inputs: z.number().int().min(1).max(256).default(16),
    ways: z.number().int().min(2).max(256).default(5),
    trainPerClass: z.number().int().min(1).max(100_000).default(200),
    testPerClass: z.number().int().min(1).max(100_000).default(100),
    difficulty: z.number().min(0).max(1).default(0.6),
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
  ctx: RunContext<LrSweepConfig>,
): AsyncGenerator<MetricRow, ExperimentResult> {
  const c = ctx.config;
  const backend = await createBackend(c.backend, (l) => ctx.log(l));
  ctx.log(backend.describe());
  const family = new SyntheticClassification({
    inputs: c.task.inputs,
    ways: c.task.ways,
    shots: c.task.trainPerClass,
    queryPerClass: c.task.testPerClass,
    difficulty: c.task.difficulty,
    familySeed: ctx.seed,
  });
  const episode = family.sampleEpisodes(ctx.seed, 1);
  // One data set: the episode's support points (training rows 0..train-1), then its query points.
  const src = episode.dataset;
  const order = [...episode.support, ...episode.query];
  const x = new Float32Array(order.length * src.inputs);
  const y = new Float32Array(order.length);
  order.forEach((row, i) => {
    x.set(src.x.subarray(row * src.inputs, (row + 1) * src.inputs), i * src.inputs);
    y[i] = src.y[row]!;
  });
  const train = episode.support.length;
  const test = episode.query.length;
  const data = backend.uploadDataset({
    count: order.length,
    inputs: src.inputs,
    targetWidth: 1,
    classes: src.classes,
    x,
    y,
  });
  const P = c.rates * c.replicates;
  const pop = backend.createPopulation({
    size: P,
    widths: [c.task.inputs, ...c.hidden, c.task.ways],
    activation: c.activation,
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
      const acc = diverged[p] || !Number.isFinite(ev.loss[p]!) ? 1 / c.task.ways : ev.accuracy[p]!;
      curves[p]!.push(acc);
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
        accuracy: s.mean,
        accuracy_ci_low: s.ci95Low,
        accuracy_ci_high: s.ci95High,
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
  // Final accuracy per rate.
  const rows = [];
  for (let r = 0; r < c.rates; r++) {
    const accs = [];
    for (let q = 0; q < c.replicates; q++) accs.push(curves[q * c.rates + r]!.at(-1)!);
    const s = summarize(accs);
    rows.push({
      lr: sweepRate(c, r),
      accuracy: s.mean,
      ci95_low: s.ci95Low,
      ci95_high: s.ci95High,
      n: s.n,
    });
  }
  const best = rows.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  const worst = rows.reduce((a, b) => (b.accuracy < a.accuracy ? b : a));
  ctx.log(
    `best learning rate ${best.lr.toPrecision(3)}: query accuracy ${best.accuracy.toFixed(3)}`,
  );
  ctx.log(
    `worst learning rate ${worst.lr.toPrecision(3)}: query accuracy ${worst.accuracy.toFixed(3)}`,
  );
  const shown = [0, Math.floor((c.rates - 1) / 2), rows.indexOf(best), c.rates - 1];
  const series = [...new Set(shown)].map((r) => {
    const band = aggregateCurves(
      Array.from({ length: c.replicates }, (_, q) => curves[q * c.rates + r]!),
      { x: xs },
    );
    return curveSeries(`lr ${sweepRate(c, r).toPrecision(3)}`, band);
  });
  return {
    title: "Learning-rate sweep on a synthetic classification task",
    summary: {
      best_lr: best.lr,
      best_accuracy: best.accuracy,
      worst_lr: worst.lr,
      worst_accuracy: worst.accuracy,
      models: P,
      diverged: diverged.reduce((a, b) => a + b, 0),
      chance: 1 / c.task.ways,
    },
    tables: [{
      title: "Final query accuracy per learning rate (mean and 95% CI over replicates)",
      rows,
    }],
    plots: {
      accuracy_vs_lr: {
        kind: "bars",
        title: "Final query accuracy per learning rate",
        xLabel: "learning rate",
        yLabel: "query accuracy",
        bars: rows.map((r) => ({
          label: r.lr.toPrecision(2),
          value: r.accuracy,
          low: r.ci95_low,
          high: r.ci95_high,
        })),
      },
      learning_curves: {
        kind: "curves",
        title: "Query accuracy during training (95% CI over replicates)",
        xLabel: "step",
        yLabel: "query accuracy",
        series,
      },
    },
    sections: [{
      title: "Method",
      body: `${P} MLPs (${[c.task.inputs, ...c.hidden, c.task.ways].join("-")}, ${c.activation}, ` +
        `${c.optimizer}) trained together for ${c.steps} steps with batch ${c.batchSize}; ` +
        `${c.rates} learning rates log-spaced in [${c.lrMin}, ${c.lrMax}], ${c.replicates} ` +
        `replicates each (different initializations). Task: synthetic ${c.task.ways}-way ` +
        `classification, ${c.task.trainPerClass} training and ${c.task.testPerClass} test points ` +
        `per class, difficulty ${c.task.difficulty}. Diverged models count as chance accuracy.`,
    }],
  };
}

/** The registered lr-sweep experiment. */
export const LR_SWEEP: Experiment<LrSweepConfig> = registerExperiment<LrSweepConfig>({
  name: "lr-sweep",
  description: "A population with a spread of learning rates on one synthetic classification task",
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
  steps: (c) => c.steps,
  run: runLrSweep,
});
