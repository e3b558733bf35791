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
import { Rng, rngNormal } from "../core/rng.ts";
import type { Backend } from "../learners/backend.ts";
import { HostAdam } from "../learners/optimizers/host_adam.ts";
import type { Knobs } from "../learners/optimizers/knobs.ts";
import { LEARNED_STRIDE } from "../learners/optimizers/knobs.ts";
import type { EpisodeBatch, TaskFamily } from "../learners/tasks/task_family.ts";
import {
  lossArea,
  runUnroll,
  sampledUnroll,
  type UnrollResult,
} from "./learned_optimizer_unroll.ts";
import {
  defaultNormalization,
  learnedOptimizerName,
  learnedWeightCount,
  packLearnedRow,
} from "./learned_optimizer.ts";
import { norm } from "./few_shot/meta_learner.ts";
import {
  curriculumUnroll,
  type EsConfig,
  type EsGeneration,
  type EsProgress,
  type OnEsGeneration,
} from "./learned_optimizer_es.ts";
export * from "./learned_optimizer_es.ts";

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

/** A gradient estimator of the meta-training loop: ES or REINFORCE. */
interface Estimator<R extends EsGeneration> {
  /** RNG stream of the noise. */
  stream: number;
  /** Added to the task-sampling and unroll seeds (distinct tasks per estimator). */
  salt: { tasks: number; unroll: number };
  /** Noise vectors per generation. */
  noiseCount(c: EsConfig): number;
  /** Meta weights of model p: theta plus its noise, written to `out`. */
  perturb(
    c: EsConfig,
    theta: Float64Array,
    eps: Float64Array[],
    p: number,
    out: Float64Array,
  ): void;
  /** Gradient (minimizing) of the meta-loss, and the record fields after `unroll`. */
  estimate(
    c: EsConfig,
    r: UnrollResult,
    eps: Float64Array[],
  ): { grad: Float64Array; fields: Omit<R, "generation" | "unroll" | "diverged" | "theta_norm"> };
}

/** One meta-training run of the learned optimizer: config, seed, callback, progress to resume. */
export interface MetaTrainRun<R extends EsGeneration> {
  /** The ES (or REINFORCE) configuration. */
  config: EsConfig;
  /** Seed of the initial weights, the noise and the task draws. */
  seed: number;
  /** Receives each generation's record and the progress that `resume` continues exactly. */
  onGeneration?: OnEsGeneration<R>;
  /** Progress to continue from (the history then holds the generations run by this call). */
  resume?: EsProgress;
  /**
   * False: the returned history is empty, so memory stays flat over any number of generations
   * (a caller that streams the records from `onGeneration` to a log; default true).
   */
  keepHistory?: boolean;
}

/**
 * The meta-training loop shared by ES and REINFORCE: each generation draws noise, trains
 * 2 * pairs models per task (fresh tasks, every model in one dispatch, common random numbers
 * within a task) with the perturbed meta weights, and takes an Adam step on the estimated gradient.
 */
async function metaTrainLoop<R extends EsGeneration>(
  backend: Backend,
  family: TaskFamily,
  o: MetaTrainRun<R> & { est: Estimator<R> },
): Promise<{ theta: Float64Array; history: R[] }> {
  const { config: c, seed, est } = o;
  const r0 = o.resume;
  const theta = r0 ? Float64Array.from(r0.theta) : initialTheta(c, seed);
  const D = theta.length;
  const adam = r0 ? HostAdam.fromState(r0.adam) : new HostAdam(D);
  const history: R[] = [];
  const copies = 2 * c.pairs;
  const P = copies * c.tasks;
  const rng = r0 ? Rng.fromState(r0.rng) : new Rng(seed, est.stream);
  for (let g = r0?.next ?? 0; g < c.generations; g++) {
    const unroll = curriculumUnroll(c, g);
    const eps = Array.from(
      { length: est.noiseCount(c) },
      () => Float64Array.from({ length: D }, () => rng.normal()),
    );
    const rows = new Float32Array(P * LEARNED_STRIDE);
    const sample = new Float64Array(D);
    for (let p = 0; p < P; p++) {
      est.perturb(c, theta, eps, p, sample);
      packRow(c, sample, rows.subarray(p * LEARNED_STRIDE));
    }
    const drawn = { seed: (seed * 7919 + g * 104729 + est.salt.tasks) >>> 0, count: c.tasks };
    const r = await sampledUnroll(backend, family, drawn, {
      copies,
      knobs: Array.from({ length: P }, () => esKnobs(c, unroll)),
      learned: rows,
      steps: unroll,
      every: c.every,
      seed: (seed + g * 31337 + est.salt.unroll) >>> 0,
      model: c.model,
      evaluate: false,
    });
    const { grad, fields } = est.estimate(c, r, eps);
    adam.step(theta, grad, c.metaLr);
    const rec = {
      generation: g,
      unroll,
      ...fields,
      diverged: r.diverged.reduce((a, b) => a + b, 0),
      theta_norm: norm(theta),
    } as R;
    if (o.keepHistory !== false) history.push(rec);
    const progress = {
      next: g + 1,
      theta: Array.from(theta),
      adam: adam.state(),
      rng: rng.state(),
    };
    await o.onGeneration?.(rec, theta, progress);
  }
  return { theta, history };
}

/** Loss area of every model of an unroll. */
function lossAreas(c: EsConfig, r: UnrollResult): number[] {
  return r.loss.map((curve) => lossArea(curve, c.divergedLoss));
}

function meanOf(f: readonly number[]): number {
  return f.reduce((a, b) => a + b, 0) / f.length;
}

/** Antithetic ES: model p = (t * pairs + k) * 2 + s uses theta + (1 - 2s) sigma eps_k. */
const ES: Estimator<EsGeneration> = {
  stream: 0xe5,
  salt: { tasks: 0, unroll: 0 },
  noiseCount: (c) => c.pairs,
  perturb(c, theta, eps, p, out) {
    const k = Math.floor(p / 2) % c.pairs;
    const sign = p % 2 === 0 ? 1 : -1;
    for (let i = 0; i < theta.length; i++) out[i] = theta[i]! + sign * c.sigma * eps[k]![i]!;
  },
  estimate(c, r, eps) {
    const [K, T, D] = [c.pairs, c.tasks, eps[0]!.length];
    const f = lossAreas(c, r);
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
    return { grad, fields: { meta_loss: meanOf(f), mean_abs_diff: absDiff / (K * T) } };
  },
};

/**
 * Meta-trains the learned optimizer's weights (of kind `run.config.kind`, default lr-scale) on
 * `family` by antithetic ES with Adam on the estimated gradient.
 */
export function metaTrainEs(
  backend: Backend,
  family: TaskFamily,
  run: MetaTrainRun<EsGeneration>,
): Promise<{ theta: Float64Array; history: EsGeneration[] }> {
  return metaTrainLoop(backend, family, { ...run, est: ES });
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

/** Per-task baselined rewards of an unroll: reward, advantage, and the mean |advantage| / std. */
function advantages(c: EsConfig, r: UnrollResult): { reward: number[]; adv: Float64Array } {
  const N = 2 * c.pairs;
  const P = N * c.tasks;
  const reward = new Array<number>(P);
  const adv = new Float64Array(P);
  for (let t = 0; t < c.tasks; t++) {
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
  return { reward, adv };
}

/** REINFORCE with a Gaussian policy: model p uses theta + sigma eps_p. */
const REINFORCE: Estimator<ReinforceGeneration> = {
  stream: 0x2e1,
  salt: { tasks: 5, unroll: 7 },
  noiseCount: (c) => 2 * c.pairs * c.tasks,
  perturb(c, theta, eps, p, out) {
    for (let i = 0; i < theta.length; i++) out[i] = theta[i]! + c.sigma * eps[p]![i]!;
  },
  estimate(c, r, eps) {
    const P = eps.length;
    const { reward, adv } = advantages(c, r);
    let absAdv = 0, sq = 0;
    for (const a of adv) {
      absAdv += Math.abs(a);
      sq += a * a;
    }
    const sd = Math.sqrt(sq / P) + 1e-8;
    // Policy gradient of the expected reward, negated for the minimizing Adam step.
    const grad = new Float64Array(eps[0]!.length);
    for (let p = 0; p < P; p++) {
      const w = -adv[p]! / (sd * c.sigma * P);
      for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! + w * eps[p]![i]!;
    }
    return {
      grad,
      fields: {
        meta_loss: meanOf(lossAreas(c, r)),
        mean_abs_diff: absAdv / P,
        mean_reward: reward.reduce((a, b) => a + b, 0) / P,
      },
    };
  },
};

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
export function metaTrainReinforce(
  backend: Backend,
  family: TaskFamily,
  run: MetaTrainRun<ReinforceGeneration>,
): Promise<{ theta: Float64Array; history: ReinforceGeneration[] }> {
  const kind = run.config.kind;
  if ((kind ?? "lr-scale") !== "lr-scale") {
    return Promise.reject(
      new RangeError(
        `Cannot meta-train by REINFORCE as kind must be lr-scale: current value is ${kind}`,
      ),
    );
  }
  return metaTrainLoop(backend, family, { ...run, est: REINFORCE });
}
