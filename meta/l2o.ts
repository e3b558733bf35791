/**
 * The `l2o` experiment (issue 7, seed 003 "learning to optimize"): meta-train three learned
 * optimizers on synthetic family A (the learning-rate-scale network by antithetic ES, saved as
 * `learned_optimizer.json`, and by REINFORCE on loss improvement, `learned_optimizer_reinforce.json`;
 * the per-parameter update network by antithetic ES, `learned_optimizer_per_param.json`), freeze
 * them, then evaluate them against SGD, momentum SGD, Adam and SGD with a cosine schedule (every method's learning rate tuned on family A with the same grid size) on family A,
 * on shifted families B (several shift sizes) and on Fashion-MNIST class episodes: steps to a
 * training-loss threshold, final losses, gradient-norm variance, with 95% CIs over seeds.
 * @module
 */
import { z } from "zod";
import type { Experiment, ExperimentResult, RunContext } from "../core/experiment.ts";
import { registerExperiment } from "../core/experiment.ts";
import type { ConfigSchema } from "../core/config_schema.ts";
import { curveSeries } from "../core/plots.ts";
import type { CurveSeries, XySeries } from "../core/plots.ts";
import { aggregateCurves, summarize } from "../core/stats.ts";
import type { MetricRow } from "../core/run_dir.ts";
import type { Backend } from "../learners/backend.ts";
import { createBackend } from "../learners/create_backend.ts";
import { fashionMnistAvailable, loadFashionMnist } from "../learners/data/fashion_mnist.ts";
import { downsample } from "../learners/data/preprocess.ts";
import type { Knobs } from "../learners/optimizers/knobs.ts";
import { LEARNED_STRIDE } from "../learners/optimizers/knobs.ts";
import { RealEpisodes } from "../learners/tasks/real_episodes.ts";
import { SyntheticClassification } from "../learners/tasks/synthetic_classification.ts";
import type { TaskFamily } from "../learners/tasks/task_family.ts";
import {
  defaultNormalization,
  type LearnedKind,
  type LearnedOptimizer,
  learnedOptimizerFromWeights,
  learnedOptimizerRow,
  loadLearnedOptimizer,
  saveLearnedOptimizer,
} from "./learned_optimizer.ts";
import {
  DEFAULT_ES_CONFIG,
  type EsConfig,
  lossArea,
  metaTrainEs,
  metaTrainReinforce,
  runUnroll,
  type UnrollModel,
} from "./learned_optimizer_training.ts";

/** The compared methods. */
export const L2O_METHODS = [
  "sgd",
  "momentum",
  "adam",
  "sgd-cosine",
  "learned",
  "learned-reinforce",
  "learned-per-param",
] as const;
/** A compared method. */
export type L2oMethod = typeof L2O_METHODS[number];
/** The learned methods: how each is meta-trained, its kind and its saved file. */
const LEARNED_METHODS = {
  "learned": { kind: "lr-scale", by: "es", file: "learned_optimizer.json" },
  "learned-reinforce": {
    kind: "lr-scale",
    by: "reinforce",
    file: "learned_optimizer_reinforce.json",
  },
  "learned-per-param": { kind: "per-param", by: "es", file: "learned_optimizer_per_param.json" },
} as const satisfies Record<string, { kind: LearnedKind; by: "es" | "reinforce"; file: string }>;
/** A learned method. */
type LearnedMethod = keyof typeof LEARNED_METHODS;

/** The resolved config of the l2o experiment. */
export interface L2oConfig {
  /** gpu, cpu, or auto. */
  backend: "auto" | "gpu" | "cpu";
  /** Family A (synthetic classification). */
  family: {
    inputs: number;
    ways: number;
    shots: number;
    queryPerClass: number;
    difficulty: number;
    familySeed: number;
  };
  /** The base learner. */
  model: UnrollModel;
  /** ES meta-training (see EsConfig; also the REINFORCE and per-param runs). */
  es: Omit<EsConfig, "model" | "kind">;
  /** Meta step size of REINFORCE (its non-antithetic estimate is noisier than ES's). */
  reinforceMetaLr: number;
  /** A frozen lr-scale learned optimizer to load instead of meta-training by ES (JSON file). */
  learnedOptimizer?: string;
  /** A frozen lr-scale learned optimizer to load instead of meta-training by REINFORCE. */
  learnedReinforce?: string;
  /** A frozen per-param learned optimizer to load instead of meta-training by ES. */
  learnedPerParam?: string;
  /** Train steps of every evaluation run. */
  steps: number;
  /** Steps between loss samples. */
  every: number;
  /** Learning-rate grid of sgd, momentum, sgd-cosine and the learned methods (their base lr). */
  lrGrid: number[];
  /** Learning-rate grid of Adam (same size as lrGrid: the same tuning budget). */
  adamGrid: number[];
  /** Family-A tasks used for tuning every method's learning rate. */
  tuneTasks: number;
  /** Shift sizes s of family B: offset s, rotation 0.5 s rad, scale 1 + 0.5 s. */
  shifts: number[];
  /** Independent seeds (each: new tasks and inits) per evaluation family. */
  seeds: number;
  /** Tasks per seed. */
  tasks: number;
  /** Training-loss threshold for steps-to-threshold. */
  threshold: number;
  /** Fashion-MNIST class episodes (skipped when the files are absent). */
  fashion: {
    enabled: boolean;
    ways: number;
    shots: number;
    queryPerClass: number;
    downsample: number;
  };
}

const ES_SCHEMA = z.object({
  pairs: z.number().int().min(1).max(256).default(DEFAULT_ES_CONFIG.pairs),
  tasks: z.number().int().min(1).max(256).default(DEFAULT_ES_CONFIG.tasks),
  generations: z.number().int().min(1).max(100_000).default(DEFAULT_ES_CONFIG.generations),
  sigma: z.number().positive().max(10).default(DEFAULT_ES_CONFIG.sigma),
  metaLr: z.number().positive().max(10).default(DEFAULT_ES_CONFIG.metaLr),
  minUnroll: z.number().int().min(1).max(100_000).default(DEFAULT_ES_CONFIG.minUnroll),
  maxUnroll: z.number().int().min(1).max(100_000).default(DEFAULT_ES_CONFIG.maxUnroll),
  every: z.number().int().min(1).max(10_000).default(DEFAULT_ES_CONFIG.every),
  lr: z.number().positive().max(100).default(0.05),
  momentum: z.number().min(0).max(0.999).default(DEFAULT_ES_CONFIG.momentum),
  initStd: z.number().min(0).max(10).default(DEFAULT_ES_CONFIG.initStd),
  divergedLoss: z.number().positive().default(DEFAULT_ES_CONFIG.divergedLoss),
});

/** Config schema of the l2o experiment. */
export const L2O_SCHEMA: ConfigSchema<L2oConfig> = z.object({
  backend: z.enum(["auto", "gpu", "cpu"]).default("auto"),
  family: z.object({
    inputs: z.number().int().min(2).max(256).default(16),
    ways: z.number().int().min(2).max(64).default(5),
    shots: z.number().int().min(1).max(10_000).default(20),
    queryPerClass: z.number().int().min(1).max(10_000).default(10),
    difficulty: z.number().min(0).max(1).default(0.5),
    familySeed: z.number().int().min(0).default(1),
  }).default({}),
  model: z.object({
    hidden: z.array(z.number().int().min(1).max(256)).min(1).max(3).default([32]),
    activation: z.enum(["relu", "tanh"]).default("relu"),
    batchSize: z.number().int().min(1).max(1024).default(16),
  }).default({}),
  es: ES_SCHEMA.default({}),
  reinforceMetaLr: z.number().positive().max(10).default(0.025),
  learnedOptimizer: z.string().min(1).optional(),
  learnedReinforce: z.string().min(1).optional(),
  learnedPerParam: z.string().min(1).optional(),
  steps: z.number().int().min(1).max(100_000).default(100),
  every: z.number().int().min(1).max(10_000).default(5),
  lrGrid: z.array(z.number().positive().max(100)).min(1).default([0.02, 0.05, 0.1, 0.2, 0.5, 1]),
  adamGrid: z.array(z.number().positive().max(100)).min(1).default([
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
  ]),
  tuneTasks: z.number().int().min(1).max(1024).default(8),
  shifts: z.array(z.number().min(0).max(100)).default([0.5, 1, 2]),
  seeds: z.number().int().min(1).max(1000).default(5),
  tasks: z.number().int().min(1).max(1024).default(8),
  threshold: z.number().positive().default(0.5),
  fashion: z.object({
    enabled: z.boolean().default(true),
    ways: z.number().int().min(2).max(10).default(5),
    shots: z.number().int().min(1).max(1000).default(20),
    queryPerClass: z.number().int().min(1).max(1000).default(10),
    downsample: z.number().int().min(1).max(8).default(4),
  }).default({}),
}).refine((c) => c.lrGrid.length === c.adamGrid.length, {
  message: "adamGrid must have as many entries as lrGrid (same tuning budget)",
  path: ["adamGrid"],
});

/** Knobs of method m at learning rate lr, at `step` of a `steps`-step run. */
function methodKnobs(m: L2oMethod, lr: number, step: number, steps: number): Knobs {
  switch (m) {
    case "sgd":
      return { optimizer: "sgd", lr };
    case "momentum":
      return { optimizer: "momentum", lr, momentum: 0.9 };
    case "adam":
      return { optimizer: "adam", lr };
    case "sgd-cosine":
      return { optimizer: "sgd", lr: lr * 0.5 * (1 + Math.cos(Math.PI * step / steps)) };
    case "learned":
    case "learned-reinforce":
      return { optimizer: "learned", lr, momentum: 0.9, horizon: steps };
    case "learned-per-param":
      return { optimizer: "learned-per-param", lr, momentum: 0.9, horizon: steps };
  }
}

/** One evaluation run of several methods (with their lrs) on the tasks of a family. */
async function compare(
  backend: Backend,
  family: TaskFamily,
  methods: { method: L2oMethod; lr: number }[],
  learned: Record<LearnedMethod, LearnedOptimizer>,
  c: L2oConfig,
  o: { tasks: number; seed: number },
) {
  const M = methods.length;
  const knobsAt = (step: number) =>
    Array.from({ length: o.tasks * M }, (_, p) => {
      const { method, lr } = methods[p % M]!;
      return methodKnobs(method, lr, step, c.steps);
    });
  const rows = new Float32Array(o.tasks * M * LEARNED_STRIDE);
  for (let p = 0; p < o.tasks * M; p++) {
    const { method } = methods[p % M]!;
    if (method in LEARNED_METHODS) {
      rows.set(learnedOptimizerRow(learned[method as LearnedMethod]), p * LEARNED_STRIDE);
    }
  }
  const tasks = family.sampleEpisodes(o.seed, o.tasks);
  return await runUnroll(backend, tasks, {
    copies: M,
    knobs: knobsAt(0),
    knobsAt: (s) => (methods.some((m) => m.method === "sgd-cosine") ? knobsAt(s) : undefined),
    learned: rows,
    steps: c.steps,
    every: c.every,
    seed: o.seed,
    model: c.model,
  });
}

function variance(v: number[]): number {
  const f = v.filter(Number.isFinite);
  if (f.length < 2) return NaN;
  const m = f.reduce((a, b) => a + b, 0) / f.length;
  return f.reduce((a, b) => a + (b - m) * (b - m), 0) / (f.length - 1);
}

function meanOf(v: number[]): number {
  const f = v.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

async function* runL2o(
  ctx: RunContext<L2oConfig, LearnedInputs>,
): AsyncGenerator<MetricRow, ExperimentResult> {
  const c = ctx.config;
  const backend = await createBackend(c.backend, (l) => ctx.log(l));
  ctx.log(backend.describe());
  const famOpts = { ...c.family, shots: c.family.shots, queryPerClass: c.family.queryPerClass };
  const familyA = new SyntheticClassification({ ...famOpts, name: "A" });
  const es: EsConfig = { ...c.es, model: c.model };

  // 1. Meta-train on family A (or load frozen optimizers), freeze and save.
  const learned = {} as Record<LearnedMethod, LearnedOptimizer>;
  const metaHistory = {} as Record<LearnedMethod, Record<string, number>[]>;
  const files: Record<LearnedMethod, string | undefined> = {
    "learned": c.learnedOptimizer,
    "learned-reinforce": c.learnedReinforce,
    "learned-per-param": c.learnedPerParam,
  };
  for (const method of Object.keys(LEARNED_METHODS) as LearnedMethod[]) {
    const spec = LEARNED_METHODS[method];
    const file = files[method];
    metaHistory[method] = [];
    if (file) {
      learned[method] = ctx.inputs?.[method] ?? await loadLearnedOptimizer(file, spec.kind);
      if (learned[method].architecture.kind !== spec.kind) {
        throw new TypeError(
          `Invalid learned optimizer for ${method}: kind must be ${spec.kind}: current value is ${
            learned[method].architecture.kind
          }`,
        );
      }
      ctx.log(`loaded ${method} optimizer ${file}`);
    } else {
      const t0 = performance.now();
      const rows: MetricRow[] = [];
      const cfg: EsConfig = { ...es, kind: spec.kind };
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
      metaHistory[method] = history;
      for (const r of rows) yield r;
      ctx.log(
        `meta-trained ${method} (${spec.kind}, ${spec.by}) in ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s: meta-loss ${history[0]?.meta_loss.toFixed(4)} -> ${
          history.at(-1)?.meta_loss.toFixed(4)
        }`,
      );
      learned[method] = learnedOptimizerFromWeights(theta, {
        lr: es.lr,
        momentum: es.momentum,
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
    }
    await saveLearnedOptimizer(`${ctx.runDir}/${spec.file}`, learned[method]);
  }
  const esHistory = metaHistory["learned"];

  // 2. Tune every method's learning rate on family A (same grid size for all).
  const G = c.lrGrid.length;
  const grid = L2O_METHODS.flatMap((method) =>
    (method === "adam" ? c.adamGrid : c.lrGrid).map((lr) => ({ method, lr }))
  );
  const tune = await compare(backend, familyA, grid, learned, c, {
    tasks: c.tuneTasks,
    seed: (ctx.seed * 31 + 1_000_003) >>> 0,
  });
  const tuned: { method: L2oMethod; lr: number; tuneArea: number }[] = [];
  const tuneRows: Record<string, number | string>[] = [];
  L2O_METHODS.forEach((method, mi) => {
    let best = { lr: NaN, area: Infinity };
    for (let gi = 0; gi < G; gi++) {
      const j = mi * G + gi;
      const areas = [];
      for (let t = 0; t < c.tuneTasks; t++) {
        areas.push(lossArea(tune.loss[t * grid.length + j]!, es.divergedLoss));
      }
      const area = meanOf(areas);
      tuneRows.push({ method, lr: grid[j]!.lr, loss_area: area });
      if (area < best.area) best = { lr: grid[j]!.lr, area };
    }
    tuned.push({ method, lr: best.lr, tuneArea: best.area });
    ctx.log(`tuned ${method}: lr ${best.lr} (loss area ${best.area.toFixed(4)})`);
  });

  // 3. Evaluate on A, shifted B (each shift size), Fashion-MNIST classes.
  const families: { name: string; shift: number; family: TaskFamily }[] = [
    { name: "A", shift: 0, family: familyA },
    ...c.shifts.map((s) => ({
      name: `B(shift ${s})`,
      shift: s,
      family: new SyntheticClassification({
        ...famOpts,
        shift: { offset: s, rotation: 0.5 * s, scale: 1 + 0.5 * s, labelNoise: 0 },
        name: `B${s}`,
      }) as TaskFamily,
    })),
  ];
  if (c.fashion.enabled && fashionMnistAvailable("test")) {
    const img = downsample(await loadFashionMnist("test"), c.fashion.downsample);
    families.push({
      name: "Fashion-MNIST",
      shift: NaN,
      family: new RealEpisodes(img, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], {
        ways: c.fashion.ways,
        shots: c.fashion.shots,
        queryPerClass: c.fashion.queryPerClass,
        name: "fashion",
      }),
    });
  } else if (c.fashion.enabled) {
    ctx.log("Fashion-MNIST files absent: skipping the real-data evaluation");
  }
  const M = tuned.length;
  const table: Record<string, number | string>[] = [];
  const curvePlots: Record<
    string,
    {
      kind: "curves";
      title: string;
      xLabel: string;
      yLabel: string;
      logY: boolean;
      series: CurveSeries[];
    }
  > = {};
  const stepsVsShift = new Map<L2oMethod, { x: number; y: number }[]>();
  for (const fam of families) {
    // per method: per seed values
    const per = tuned.map(() => ({
      steps: [] as number[],
      reached: [] as number[],
      final: [] as number[],
      query: [] as number[],
      acc: [] as number[],
      gvar: [] as number[],
      curves: [] as number[][],
      diverged: 0,
    }));
    let xs: number[] = [];
    for (let s = 0; s < c.seeds; s++) {
      const seed = (ctx.seed * 1009 + s * 7919 + 17) >>> 0;
      const r = await compare(backend, fam.family, tuned, learned, c, { tasks: c.tasks, seed });
      xs = r.x;
      for (let mi = 0; mi < M; mi++) {
        const st: number[] = [];
        const fin: number[] = [];
        const q: number[] = [];
        const a: number[] = [];
        const gv: number[] = [];
        let reached = 0;
        const curve = new Array<number>(r.x.length).fill(0);
        for (let t = 0; t < c.tasks; t++) {
          const p = t * M + mi;
          const loss = r.loss[p]!;
          const i = loss.findIndex((v) => v <= c.threshold);
          st.push(i >= 0 ? r.x[i]! : c.steps);
          if (i >= 0) reached++;
          fin.push(Number.isFinite(loss.at(-1)!) ? loss.at(-1)! : es.divergedLoss);
          q.push(Number.isFinite(r.queryLoss[p]!) ? r.queryLoss[p]! : es.divergedLoss);
          a.push(r.queryAccuracy[p]!);
          gv.push(variance(r.gradNorm[p]!));
          per[mi]!.diverged += r.diverged[p]!;
          loss.forEach((v, k) => {
            const capped = Number.isFinite(v) ? Math.min(v, es.divergedLoss) : es.divergedLoss;
            curve[k] = curve[k]! + capped / c.tasks;
          });
        }
        const pm = per[mi]!;
        pm.steps.push(meanOf(st));
        pm.reached.push(reached / c.tasks);
        pm.final.push(meanOf(fin));
        pm.query.push(meanOf(q));
        pm.acc.push(meanOf(a));
        pm.gvar.push(meanOf(gv));
        pm.curves.push(curve);
      }
    }
    const series: CurveSeries[] = [];
    tuned.forEach((m, mi) => {
      const pm = per[mi]!;
      const st = summarize(pm.steps);
      const fl = summarize(pm.final);
      const ql = summarize(pm.query);
      const gv = summarize(pm.gvar);
      const row = {
        family: fam.name,
        method: m.method,
        lr: m.lr,
        steps_to_threshold: st.mean,
        steps_ci95_low: st.ci95Low,
        steps_ci95_high: st.ci95High,
        reached_fraction: meanOf(pm.reached),
        final_train_loss: fl.mean,
        final_ci95_low: fl.ci95Low,
        final_ci95_high: fl.ci95High,
        query_loss: ql.mean,
        query_ci95_low: ql.ci95Low,
        query_ci95_high: ql.ci95High,
        query_accuracy: meanOf(pm.acc),
        grad_norm_variance: gv.mean,
        diverged: pm.diverged,
        seeds: c.seeds,
      };
      table.push(row);
      if (Number.isFinite(fam.shift)) {
        const list = stepsVsShift.get(m.method) ?? [];
        list.push({ x: fam.shift, y: st.mean });
        stepsVsShift.set(m.method, list);
      }
      series.push(curveSeries(`${m.method} (lr ${m.lr})`, aggregateCurves(pm.curves, { x: xs })));
    });
    for (const row of table.filter((r) => r.family === fam.name)) {
      yield { phase: "evaluate", ...row };
    }
    const key = fam.name.replace(/[^A-Za-z0-9]+/g, "_").replace(/_+$/, "").toLowerCase();
    curvePlots[`loss_${key}`] = {
      kind: "curves",
      title:
        `Training loss on ${fam.name} (mean over ${c.tasks} tasks; 95% CI over ${c.seeds} seeds)`,
      xLabel: "step",
      yLabel: "training loss",
      logY: true,
      series,
    };
  }

  // Wins: per family, the method with the lowest mean steps-to-threshold and final loss.
  const winners: string[] = [];
  for (const fam of families) {
    const rows = table.filter((r) => r.family === fam.name);
    const by = (k: string) =>
      rows.reduce((a, b) => ((b[k] as number) < (a[k] as number) ? b : a)).method;
    winners.push(
      `- ${fam.name}: fastest to loss ${c.threshold}: ${by("steps_to_threshold")}; lowest final ` +
        `training loss: ${by("final_train_loss")}; lowest query loss: ${by("query_loss")}`,
    );
  }
  const xy: XySeries[] = [...stepsVsShift.entries()].map(([name, pts]) => ({
    name,
    x: pts.map((p) => p.x),
    y: pts.map((p) => p.y),
    mode: "both",
  }));
  return {
    title: "Learned optimizers (LR-scale by ES and REINFORCE, per-parameter by ES) under shift",
    summary: {
      final_meta_loss: esHistory.at(-1)?.meta_loss ?? NaN,
      first_meta_loss: esHistory[0]?.meta_loss ?? NaN,
      reinforce_final_meta_loss: metaHistory["learned-reinforce"].at(-1)?.meta_loss ?? NaN,
      reinforce_first_meta_loss: metaHistory["learned-reinforce"][0]?.meta_loss ?? NaN,
      per_param_final_meta_loss: metaHistory["learned-per-param"].at(-1)?.meta_loss ?? NaN,
      per_param_first_meta_loss: metaHistory["learned-per-param"][0]?.meta_loss ?? NaN,
      seeds: c.seeds,
      tasks_per_seed: c.tasks,
      steps: c.steps,
    },
    tables: [
      {
        title:
          `Evaluation (mean over seeds of the per-seed task means; 95% CI over ${c.seeds} seeds)`,
        rows: table,
      },
      {
        title: "Learning-rate tuning on family A (loss area, same grid size per method)",
        rows: tuneRows,
      },
    ],
    plots: {
      ...(Object.values(metaHistory).some((h) => h.length)
        ? {
          meta_training: {
            kind: "curves",
            title: "Meta-training: mean loss area of the sampled population per generation",
            xLabel: "generation",
            yLabel: "meta-loss",
            series: Object.entries(metaHistory).filter(([, h]) => h.length).map(([name, h]) => ({
              name,
              x: h.map((r) => r.generation!),
              mean: h.map((r) => r.meta_loss!),
            })),
          },
        }
        : {}),
      steps_vs_shift: {
        kind: "xy",
        title: `Steps to training loss ${c.threshold} vs shift size (censored at ${c.steps})`,
        xLabel: "shift size s",
        yLabel: "steps to threshold",
        series: xy,
      },
      ...curvePlots,
    },
    sections: [
      {
        title: "Method",
        body: [
          `Learned optimizer: momentum SGD (0.9) with lr_eff = lr * exp(clamp(net(f), -4, 4)), net a`,
          `5 -> 8 tanh -> 1 MLP per model on normalized features (log1p loss, log loss ratio to the`,
          `previous step, log gradient norm, log weight norm, step / horizon), inside the fused`,
          `train-step kernel (optimizer kind 3). Meta-trained on family A by antithetic ES`,
          `(${c.es.pairs} pairs x ${c.es.tasks} tasks per generation = ${
            2 * c.es.pairs * c.es.tasks
          }`,
          `models in one dispatch, ${c.es.generations} generations, sigma ${c.es.sigma}, Adam step`,
          `${c.es.metaLr}), fitness = mean training loss over the unroll (area under the curve),`,
          `unroll length ${c.es.minUnroll} -> ${c.es.maxUnroll} steps (linear curriculum), base lr ${c.es.lr}.`,
          `learned-reinforce: the same network meta-trained by REINFORCE with a Gaussian policy`,
          `(std ${c.es.sigma}) over its weights, ${
            2 * c.es.pairs
          } samples x ${c.es.tasks} tasks per generation in`,
          `one dispatch, reward = training-loss decrease from the task's first sample averaged over`,
          `the sampling windows, minus the task's mean reward (baseline), Adam step ${c.reinforceMetaLr}.`,
          `learned-per-param: optimizer kind 4, w -= lr * (m + net(g, m, w)) with a 3 -> 8 tanh -> 1`,
          `network per parameter on scaled (gradient, momentum, parameter), meta-trained by the same`,
          `ES as learned. All three frozen (learned_optimizer*.json). Every method's lr (the learned`,
          `ones' base lr included) is tuned on ${c.tuneTasks} held-out family-A tasks over ${G} grid values by the`,
          `same loss-area criterion. Evaluation: ${c.seeds} seeds x ${c.tasks} tasks per family,`,
          `${c.steps} steps, model ${
            [c.family.inputs, ...c.model.hidden, c.family.ways].join("-")
          }`,
          `(${c.model.activation}), batch ${c.model.batchSize}. Shift size s: offset s, rotation 0.5 s`,
          `rad, scale 1 + 0.5 s. Steps to threshold are censored at ${c.steps} (see reached_fraction);`,
          `losses are sampled every ${c.every} steps; grad_norm_variance is the variance of the sampled`,
          `gradient norms over a run. A quarantined model counts as loss ${es.divergedLoss}.`,
        ].join(" "),
      },
      {
        title: "Who wins where (means; check the CIs before reading a difference)",
        body: winners.join("\n"),
      },
    ],
  };
}

/** The frozen learned optimizers a config names by file, read before the run folder exists. */
export type LearnedInputs = Partial<
  Record<"learned" | "learned-reinforce" | "learned-per-param", LearnedOptimizer>
>;

async function readLearnedInputs(c: L2oConfig): Promise<LearnedInputs> {
  const files: Record<LearnedMethod, string | undefined> = {
    "learned": c.learnedOptimizer,
    "learned-reinforce": c.learnedReinforce,
    "learned-per-param": c.learnedPerParam,
  };
  const out: LearnedInputs = {};
  for (const method of Object.keys(LEARNED_METHODS) as LearnedMethod[]) {
    const file = files[method];
    if (file) out[method] = await loadLearnedOptimizer(file, LEARNED_METHODS[method].kind);
  }
  return out;
}

/** The registered l2o experiment. */
export const L2O: Experiment<L2oConfig, LearnedInputs> = registerExperiment({
  name: "l2o",
  description:
    "Learned optimizers (LR-scale by ES and REINFORCE, per-parameter by ES) meta-trained on family A, evaluated under distribution shift vs tuned SGD/Adam/cosine",
  schema: L2O_SCHEMA,
  scales: {
    smoke: {
      es: { pairs: 2, tasks: 2, generations: 3, minUnroll: 10, maxUnroll: 20 },
      steps: 30,
      lrGrid: [0.05, 0.2],
      adamGrid: [0.005, 0.02],
      tuneTasks: 2,
      shifts: [1],
      seeds: 2,
      tasks: 2,
      fashion: { enabled: false },
    },
    // Three meta-trainings (ES lr-scale, REINFORCE lr-scale, ES per-param) at 20 generations of
    // 6 pairs keep the default run near two minutes on lavapipe (one at 40 x 8 took 92 s in all).
    default: { es: { generations: 20, pairs: 6 }, seeds: 5 },
    full: {
      es: { generations: 200, pairs: 16, tasks: 8, maxUnroll: 150 },
      steps: 200,
      seeds: 8,
      tasks: 16,
      tuneTasks: 16,
      shifts: [0.5, 1, 2, 3],
    },
  },
  progress: { metric: "meta_loss", goal: "min", unit: "generation" },
  // Learned-optimizer files are read and checked before the run folder exists.
  prepare: readLearnedInputs,
  run: runL2o,
});
