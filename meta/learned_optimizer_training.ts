/**
 * Meta-training of learned optimizers (either kind) by antithetic evolution strategies
 * (Salimans et al. 2017, "Evolution Strategies as a Scalable Alternative to Reinforcement
 * Learning"; for learned optimizers Metz et al. 2019, "Understanding and correcting pathologies in
 * the training of learned optimizers"), with truncated unrolls whose length follows a curriculum.
 *
 * One generation is one population: P = 2 * pairs * tasks models in one dispatch. Model
 * p = (t * pairs + k) * 2 + s trains its own copy of task t with meta weights theta + (1 - 2s) *
 * sigma * eps_k; both members of a pair (and every copy of a task) share the task, the init and the
 * minibatch sequence (common random numbers). Fitness = the area under the training-loss curve
 * (mean of the sampled losses), lower is better; a quarantined model scores `divergedLoss`.
 *
 * `metaTrainReinforce` meta-trains the lr-scale kind by REINFORCE (Williams 1992, "Simple
 * statistical gradient-following algorithms for connectionist reinforcement learning") with a
 * Gaussian policy over the meta weights (parameter-exploring policy gradients, Sehnke et al. 2010):
 * the reward of a sampled meta-network is the decrease of the log training loss summed over the
 * sampling windows of its unroll, baseline-subtracted per task.
 * @module
 */
import { Rng, rngInt, rngNormal } from "../core/rng.ts";
import type { Backend } from "../learners/backend.ts";
import { HostAdam } from "../learners/optimizers/host_adam.ts";
import type { Knobs } from "../learners/optimizers/knobs.ts";
import { LEARNED_STRIDE } from "../learners/optimizers/knobs.ts";
import type { EpisodeBatch, TaskFamily } from "../learners/tasks/task_family.ts";
import {
  defaultNormalization,
  type LearnedKind,
  learnedOptimizerName,
  learnedWeightCount,
  packLearnedRow,
} from "./learned_optimizer.ts";
import { norm } from "./few_shot/meta_learner.ts";

/** The base learner every unroll trains. */
export interface UnrollModel {
  /** Hidden widths. */
  hidden: number[];
  /** Hidden nonlinearity. */
  activation: "relu" | "tanh";
  /** Minibatch size. */
  batchSize: number;
}

/** Options of `runUnroll`. */
export interface UnrollOptions {
  /** Models per task: model p trains task floor(p / copies). */
  copies: number;
  /** Knobs of every model (length tasks * copies). */
  knobs: Knobs[];
  /** (P, LEARNED_STRIDE) meta-network rows for learned models (default zeros). */
  learned?: Float32Array<ArrayBuffer>;
  /** Called before each chunk with its first step: new knobs (for schedules), or undefined. */
  knobsAt?: (step: number) => Knobs[] | undefined;
  /** Train steps. */
  steps: number;
  /** Steps between loss samples (one readback each). */
  every: number;
  /** Seed of the inits and minibatches. */
  seed: number;
  /** The base learner. */
  model: UnrollModel;
  /** Whether to evaluate on each task's query set at the end (default true). */
  evaluate?: boolean;
}

/** What one unroll measured per model. */
export interface UnrollResult {
  /** Steps at which losses were sampled. */
  x: number[];
  /** loss[p][i]: training loss of model p at step x[i] (NaN once quarantined). */
  loss: number[][];
  /** gradNorm[p][i]: gradient norm before clipping at step x[i]. */
  gradNorm: number[][];
  /** (P) 1 if quarantined. */
  diverged: Uint8Array;
  /** (P) loss on the task's query set after training (NaN when not evaluated). */
  queryLoss: Float32Array;
  /** (P) accuracy on the task's query set after training. */
  queryAccuracy: Float32Array;
}

/**
 * Trains tasks.episodes * copies models, each on the support set of its task, and samples their
 * losses every `every` steps. Copies of a task share the init and the minibatch sequence.
 */
export async function runUnroll(
  backend: Backend,
  tasks: EpisodeBatch,
  o: UnrollOptions,
): Promise<UnrollResult> {
  const T = tasks.episodes;
  const P = T * o.copies;
  if (o.knobs.length !== P) {
    throw new RangeError(
      `Invalid unroll knobs: must have tasks * copies = ${P} entries: current length is ${o.knobs.length}`,
    );
  }
  const data = backend.uploadDataset(tasks.dataset);
  const pop = backend.createPopulation({
    size: P,
    widths: [tasks.dataset.inputs, ...o.model.hidden, tasks.ways],
    activation: o.model.activation,
    batchSize: o.model.batchSize,
  });
  try {
    pop.init(o.seed);
    // Common random numbers: every copy of task t starts from the init of model t * copies.
    const L = pop.layout;
    const params = await pop.readParams();
    for (let p = 0; p < P; p++) {
      const src = Math.floor(p / o.copies) * o.copies;
      params.copyWithin(p * L.stride, src * L.stride, (src + 1) * L.stride);
    }
    pop.writeParams(params as Float32Array<ArrayBuffer>);
    pop.setKnobs(o.knobs);
    if (o.learned) pop.setLearnedWeights(o.learned);
    if (tasks.labelMapWidth > 0 && tasks.labelMap) {
      const w = tasks.labelMapWidth;
      const map = new Uint32Array(P * w);
      for (let p = 0; p < P; p++) {
        const t = Math.floor(p / o.copies);
        map.set(tasks.labelMap.subarray(t * w, (t + 1) * w), p * w);
      }
      pop.setLabelMap(map, w);
    }
    // One minibatch per step (cycling after 256), drawn from the task's support rows.
    const B = o.model.batchSize;
    const S = tasks.supportSize;
    const nb = Math.min(o.steps, 256);
    const batches = new Uint32Array(P * nb * B);
    for (let p = 0; p < P; p++) {
      const t = Math.floor(p / o.copies);
      for (let i = 0; i < nb * B; i++) {
        batches[p * nb * B + i] = tasks.support[t * S + rngInt(o.seed, t, S, i, 0x5ba)]!;
      }
    }
    pop.setBatches(batches, nb);
    const x: number[] = [];
    const loss: number[][] = Array.from({ length: P }, () => []);
    const gradNorm: number[][] = Array.from({ length: P }, () => []);
    let diverged: Uint8Array = new Uint8Array(P);
    for (let step = 0; step < o.steps;) {
      const k = Math.min(o.every, o.steps - step);
      const kn = o.knobsAt?.(step);
      if (kn) pop.setKnobs(kn);
      pop.train(data, k);
      step += k;
      const m = await pop.readMetrics();
      diverged = m.diverged;
      x.push(step);
      for (let p = 0; p < P; p++) {
        loss[p]!.push(m.diverged[p] ? NaN : m.loss[p]!);
        gradNorm[p]!.push(m.diverged[p] ? NaN : m.gradNorm[p]!);
      }
    }
    let queryLoss: Float32Array = new Float32Array(P).fill(NaN);
    let queryAccuracy: Float32Array = new Float32Array(P).fill(NaN);
    if (o.evaluate ?? true) {
      const Q = tasks.querySize;
      const idx = new Uint32Array(P * Q);
      for (let p = 0; p < P; p++) {
        const t = Math.floor(p / o.copies);
        idx.set(tasks.query.subarray(t * Q, (t + 1) * Q), p * Q);
      }
      const ev = await pop.evaluate(data, idx);
      queryLoss = ev.loss;
      queryAccuracy = ev.accuracy;
      for (let p = 0; p < P; p++) {
        if (diverged[p]) {
          queryLoss[p] = NaN;
          queryAccuracy[p] = NaN;
        }
      }
    }
    return { x, loss, gradNorm, diverged, queryLoss, queryAccuracy };
  } finally {
    pop.destroy();
    data.destroy();
  }
}

/** Area under a loss curve: the mean of its samples, each capped at `cap` (NaN counts as cap). */
export function lossArea(curve: readonly number[], cap: number): number {
  let s = 0;
  for (const v of curve) s += Number.isFinite(v) ? Math.min(v, cap) : cap;
  return curve.length ? s / curve.length : cap;
}

/** Config of `metaTrainEs`. */
export interface EsConfig {
  /** Antithetic pairs per generation. */
  pairs: number;
  /** Tasks per generation (fresh tasks every generation). */
  tasks: number;
  /** Generations. */
  generations: number;
  /** Perturbation std. */
  sigma: number;
  /** Adam step size on the meta weights. */
  metaLr: number;
  /** Unroll length of the first generation (the curriculum grows it linearly). */
  minUnroll: number;
  /** Unroll length of the last generation. */
  maxUnroll: number;
  /** Steps between loss samples. */
  every: number;
  /** Base learning rate and momentum of the learned optimizer. */
  lr: number;
  /** Momentum of the learned optimizer's update. */
  momentum: number;
  /** Std of the initial meta weights. */
  initStd: number;
  /** Loss assigned to a quarantined model and cap of every sampled loss. */
  divergedLoss: number;
  /** The base learner. */
  model: UnrollModel;
  /** Which learned optimizer to meta-train (default lr-scale, optimizer kind 3). */
  kind?: LearnedKind;
}

/** Default ES config (a few seconds per generation on lavapipe). */
export const DEFAULT_ES_CONFIG: EsConfig = {
  pairs: 8,
  tasks: 4,
  generations: 30,
  sigma: 0.1,
  metaLr: 0.05,
  minUnroll: 20,
  maxUnroll: 60,
  every: 5,
  lr: 0.05,
  momentum: 0.9,
  initStd: 0.01,
  divergedLoss: 5,
  model: { hidden: [32], activation: "relu", batchSize: 16 },
};

/** One generation's record (one CSV row). */
export interface EsGeneration extends Record<string, number> {
  /** Generation index, from 0. */
  generation: number;
  /** Unroll length (inner steps) of this generation under the curriculum. */
  unroll: number;
  /** Mean fitness (loss area) over every perturbed model. */
  meta_loss: number;
  /** Mean |f+ - f-| over pairs and tasks. */
  mean_abs_diff: number;
  /** Quarantined models this generation. */
  diverged: number;
  /** L2 norm of the meta weights after the update. */
  theta_norm: number;
}

/** Unroll length of generation g under the linear curriculum. */
export function curriculumUnroll(c: EsConfig, g: number): number {
  if (c.generations <= 1) return c.maxUnroll;
  const f = g / (c.generations - 1);
  return Math.round(c.minUnroll + f * (c.maxUnroll - c.minUnroll));
}

/** Knobs of a learned model under an ES config for an unroll of `horizon` steps. */
function esKnobs(c: EsConfig, horizon: number): Knobs {
  return {
    optimizer: learnedOptimizerName(c.kind ?? "lr-scale"),
    lr: c.lr,
    momentum: c.momentum,
    horizon,
  };
}

/** Packs one meta-network row of the config's kind into `row`. */
function packRow(c: EsConfig, theta: ArrayLike<number>, row?: Float32Array) {
  const kind = c.kind ?? "lr-scale";
  return packLearnedRow(theta, defaultNormalization(kind), row, kind);
}

/** Seeded initial meta weights of an ES or REINFORCE run. */
function initialTheta(c: EsConfig, seed: number): Float64Array {
  const D = learnedWeightCount(c.kind ?? "lr-scale");
  const theta = new Float64Array(D);
  for (let i = 0; i < D; i++) theta[i] = c.initStd * rngNormal(seed, 0x1e4, i);
  return theta;
}

/**
 * Meta-loss of meta weights `theta` on `tasks` (one model per task): the mean loss area over an
 * unroll of `steps` steps.
 */
export async function learnedMetaLoss(
  backend: Backend,
  tasks: EpisodeBatch,
  theta: ArrayLike<number>,
  c: EsConfig,
  o: { steps: number; seed: number },
): Promise<number> {
  const T = tasks.episodes;
  const row = new Float32Array(T * LEARNED_STRIDE);
  for (let p = 0; p < T; p++) packRow(c, theta, row.subarray(p * LEARNED_STRIDE));
  const r = await runUnroll(backend, tasks, {
    copies: 1,
    knobs: Array.from({ length: T }, () => esKnobs(c, o.steps)),
    learned: row,
    steps: o.steps,
    every: c.every,
    seed: o.seed,
    model: c.model,
    evaluate: false,
  });
  let s = 0;
  for (let p = 0; p < T; p++) s += lossArea(r.loss[p]!, c.divergedLoss);
  return s / T;
}

/**
 * Meta-trains the learned optimizer's weights (of kind `c.kind`, default lr-scale) on `family` by
 * antithetic ES with Adam on the estimated gradient. `onGeneration` receives each generation's
 * record.
 */
export async function metaTrainEs(
  backend: Backend,
  family: TaskFamily,
  c: EsConfig,
  seed: number,
  onGeneration?: (g: EsGeneration, theta: Float64Array) => void | Promise<void>,
): Promise<{ theta: Float64Array; history: EsGeneration[] }> {
  const theta = initialTheta(c, seed);
  const D = theta.length;
  const adam = new HostAdam(D);
  const history: EsGeneration[] = [];
  const K = c.pairs;
  const T = c.tasks;
  const P = 2 * K * T;
  const rng = new Rng(seed, 0xe5);
  for (let g = 0; g < c.generations; g++) {
    const unroll = curriculumUnroll(c, g);
    const eps = Array.from(
      { length: K },
      () => Float64Array.from({ length: D }, () => rng.normal()),
    );
    const rows = new Float32Array(P * LEARNED_STRIDE);
    const pert = new Float64Array(D);
    for (let p = 0; p < P; p++) {
      const k = Math.floor(p / 2) % K;
      const sign = p % 2 === 0 ? 1 : -1;
      for (let i = 0; i < D; i++) pert[i] = theta[i]! + sign * c.sigma * eps[k]![i]!;
      packRow(c, pert, rows.subarray(p * LEARNED_STRIDE));
    }
    const tasks = family.sampleEpisodes((seed * 7919 + g * 104729) >>> 0, T);
    const r = await runUnroll(backend, tasks, {
      copies: 2 * K,
      knobs: Array.from({ length: P }, () => esKnobs(c, unroll)),
      learned: rows,
      steps: unroll,
      every: c.every,
      seed: (seed + g * 31337) >>> 0,
      model: c.model,
      evaluate: false,
    });
    const f = r.loss.map((curve) => lossArea(curve, c.divergedLoss));
    const grad = new Float64Array(D);
    let absDiff = 0;
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < K; k++) {
        const base = (t * K + k) * 2;
        const diff = f[base]! - f[base + 1]!;
        absDiff += Math.abs(diff);
        for (let i = 0; i < D; i++) grad[i] = grad[i]! + diff * eps[k]![i]! / (2 * c.sigma * K * T);
      }
    }
    // Adam on the ES gradient estimate (minimizing the loss area).
    adam.step(theta, grad, c.metaLr);
    const tn = norm(theta);
    const rec: EsGeneration = {
      generation: g,
      unroll,
      meta_loss: f.reduce((a, b) => a + b, 0) / P,
      mean_abs_diff: absDiff / (K * T),
      diverged: r.diverged.reduce((a, b) => a + b, 0),
      theta_norm: tn,
    };
    history.push(rec);
    await onGeneration?.(rec, theta);
  }
  return { theta, history };
}

/** One REINFORCE generation's record (one CSV row). */
export interface ReinforceGeneration extends EsGeneration {
  /** Mean reward (training-loss decrease, see `improvementReward`) over every sampled model. */
  mean_reward: number;
}

/**
 * Reward of one loss curve: the decrease of the training loss from `start` achieved by the end of
 * each sampling window, averaged over the windows, mean_w (start - l_w), each loss capped at `cap`
 * (NaN counts as cap). Rewarding every window (not only the last) credits fast early progress,
 * like the loss-area fitness of ES (reward = start - loss area).
 */
export function improvementReward(curve: readonly number[], cap: number, start: number): number {
  return curve.length ? start - lossArea(curve, cap) : 0;
}

/**
 * Meta-trains the lr-scale learned optimizer on `family` by REINFORCE with a Gaussian policy over
 * its meta weights: each generation samples theta_p = theta + sigma * eps_p for 2 * pairs models
 * per task (fresh tasks each generation, every model of every task in one dispatch, common random
 * numbers within a task), rewards each with `improvementReward` of its training-loss curve (start:
 * the task's mean loss at the first sample, a per-task constant that the baseline removes), and
 * ascends sum_p A_p eps_p / (sigma N) with Adam, A_p the reward minus its task's mean (the
 * baseline), divided by the generation's advantage std. Same config (`c.kind` must be lr-scale or
 * absent) and result as `metaTrainEs`; `meta_loss` is the same loss area, `mean_abs_diff` the mean
 * |A_p| before scaling.
 */
export async function metaTrainReinforce(
  backend: Backend,
  family: TaskFamily,
  c: EsConfig,
  seed: number,
  onGeneration?: (g: ReinforceGeneration, theta: Float64Array) => void | Promise<void>,
): Promise<{ theta: Float64Array; history: ReinforceGeneration[] }> {
  if ((c.kind ?? "lr-scale") !== "lr-scale") {
    throw new RangeError(
      `Cannot meta-train by REINFORCE as kind must be lr-scale: current value is ${c.kind}`,
    );
  }
  const theta = initialTheta(c, seed);
  const D = theta.length;
  const adam = new HostAdam(D);
  const history: ReinforceGeneration[] = [];
  const N = 2 * c.pairs;
  const T = c.tasks;
  const P = N * T;
  const rng = new Rng(seed, 0x2e1);
  for (let g = 0; g < c.generations; g++) {
    const unroll = curriculumUnroll(c, g);
    const eps = Array.from(
      { length: P },
      () => Float64Array.from({ length: D }, () => rng.normal()),
    );
    const rows = new Float32Array(P * LEARNED_STRIDE);
    const sample = new Float64Array(D);
    for (let p = 0; p < P; p++) {
      for (let i = 0; i < D; i++) sample[i] = theta[i]! + c.sigma * eps[p]![i]!;
      packRow(c, sample, rows.subarray(p * LEARNED_STRIDE));
    }
    const tasks = family.sampleEpisodes((seed * 7919 + g * 104729 + 5) >>> 0, T);
    const r = await runUnroll(backend, tasks, {
      copies: N,
      knobs: Array.from({ length: P }, () => esKnobs(c, unroll)),
      learned: rows,
      steps: unroll,
      every: c.every,
      seed: (seed + g * 31337 + 7) >>> 0,
      model: c.model,
      evaluate: false,
    });
    const reward = new Array<number>(P);
    const adv = new Float64Array(P);
    for (let t = 0; t < T; t++) {
      let start = 0;
      for (let k = 0; k < N; k++) {
        start += lossArea(r.loss[t * N + k]!.slice(0, 1), c.divergedLoss) / N;
      }
      for (let k = 0; k < N; k++) {
        reward[t * N + k] = improvementReward(r.loss[t * N + k]!, c.divergedLoss, start);
      }
      let b = 0;
      for (let k = 0; k < N; k++) b += reward[t * N + k]! / N;
      for (let k = 0; k < N; k++) adv[t * N + k] = reward[t * N + k]! - b;
    }
    let absAdv = 0, sq = 0;
    for (const a of adv) {
      absAdv += Math.abs(a);
      sq += a * a;
    }
    const sd = Math.sqrt(sq / P) + 1e-8;
    // Policy gradient of the expected reward, negated for the minimizing Adam step.
    const grad = new Float64Array(D);
    for (let p = 0; p < P; p++) {
      const w = -adv[p]! / (sd * c.sigma * P);
      for (let i = 0; i < D; i++) grad[i] = grad[i]! + w * eps[p]![i]!;
    }
    adam.step(theta, grad, c.metaLr);
    const tn = norm(theta);
    const f = r.loss.map((curve) => lossArea(curve, c.divergedLoss));
    const rec: ReinforceGeneration = {
      generation: g,
      unroll,
      meta_loss: f.reduce((a, b) => a + b, 0) / P,
      mean_abs_diff: absAdv / P,
      mean_reward: reward.reduce((a, b) => a + b, 0) / P,
      diverged: r.diverged.reduce((a, b) => a + b, 0),
      theta_norm: tn,
    };
    history.push(rec);
    await onGeneration?.(rec, theta);
  }
  return { theta, history };
}
