/**
 * Adaptive task selection: a sampler over T tasks that favours tasks with high recent loss (hard
 * tasks), in the spirit of prioritised / curriculum task sampling. Probabilities are a softmax of
 * the recent losses with a temperature, mixed with a floor so every task keeps being sampled.
 * @module
 */

import { Rng, type RngState } from "../../core/rng.ts";

/** Options of `TaskSampler`. */
export interface TaskSamplerOptions {
  /** Softmax temperature over recent losses (default 1; larger = closer to uniform; Infinity = uniform). */
  temperature?: number;
  /** Minimum probability of every task, in [0, 1/tasks] (default 0.1/tasks). */
  floor?: number;
  /** Weight of the old value in the loss moving average: recent = decay*recent + (1-decay)*loss (default 0.5). */
  decay?: number;
  /** Seed of the sampling draws (default 0). */
  seed?: number;
}

/** Everything needed to continue a `TaskSampler` exactly after a restart. */
export interface TaskSamplerState {
  /** Recent loss per task (NaN = never observed). */
  recent: number[];
  /** Sampling RNG state. */
  rng: RngState;
}

/**
 * Samples task ids with probability p_i = floor + (1 - tasks*floor) * softmax(recent / temperature)_i,
 * where recent_i is the exponential moving average of task i's observed losses. A task never
 * observed counts as the largest recent loss seen so far (so new tasks get tried); before any
 * observation sampling is uniform. Draws use `Rng(seed, stream 0)`, one uniform per sample
 * (inverse CDF), so `state()` / `fromState` resume the exact sequence.
 */
export class TaskSampler {
  /** Number of tasks. */
  readonly tasks: number;
  /** Softmax temperature. */
  readonly temperature: number;
  /** Minimum probability per task. */
  readonly floor: number;
  /** Moving-average decay. */
  readonly decay: number;
  #recent: Float64Array;
  #rng: Rng;

  /** Creates a sampler over tasks 0..tasks-1 with no observed losses. */
  constructor(tasks: number, options: TaskSamplerOptions = {}) {
    if (!Number.isInteger(tasks) || tasks < 1) {
      throw new RangeError(
        `Cannot create task sampler as tasks must be an integer >= 1: current value is ${tasks}`,
      );
    }
    this.tasks = tasks;
    this.temperature = options.temperature ?? 1;
    if (!(this.temperature > 0)) {
      throw new RangeError(
        `Cannot create task sampler as temperature must be > 0: current value is ${this.temperature}`,
      );
    }
    this.floor = options.floor ?? 0.1 / tasks;
    if (!(this.floor >= 0 && this.floor <= 1 / tasks)) {
      throw new RangeError(
        `Cannot create task sampler as floor must be in [0, ${
          1 / tasks
        }]: current value is ${this.floor}`,
      );
    }
    this.decay = options.decay ?? 0.5;
    if (!(this.decay >= 0 && this.decay < 1)) {
      throw new RangeError(
        `Cannot create task sampler as decay must be in [0, 1): current value is ${this.decay}`,
      );
    }
    this.#recent = new Float64Array(tasks).fill(NaN);
    this.#rng = new Rng((options.seed ?? 0) >>> 0, 0, 0);
  }

  /** Restores a sampler from `state()` with the same options. */
  static fromState(
    state: TaskSamplerState,
    options: Omit<TaskSamplerOptions, "seed"> = {},
  ): TaskSampler {
    const s = new TaskSampler(state.recent.length, options);
    s.#recent = Float64Array.from(state.recent);
    s.#rng = Rng.fromState(state.rng);
    return s;
  }

  /** Records a loss for `task` (updates its moving average; the first loss sets it). */
  update(task: number, loss: number): void {
    if (!Number.isInteger(task) || task < 0 || task >= this.tasks) {
      throw new RangeError(
        `Cannot update task sampler as task must be in [0, ${
          this.tasks - 1
        }]: current value is ${task}`,
      );
    }
    if (!Number.isFinite(loss)) {
      throw new RangeError(
        `Cannot update task sampler as loss must be finite: current value is ${loss}`,
      );
    }
    const r = this.#recent[task]!;
    this.#recent[task] = Number.isNaN(r) ? loss : this.decay * r + (1 - this.decay) * loss;
  }

  /** Records one loss per entry of `tasks` (e.g. one per model of a population). */
  updateMany(tasks: ArrayLike<number>, losses: ArrayLike<number>): void {
    if (tasks.length !== losses.length) {
      throw new TypeError(
        `Cannot update task sampler as losses must have length ${tasks.length}: current value is ${losses.length}`,
      );
    }
    for (let i = 0; i < tasks.length; i++) this.update(tasks[i]!, losses[i]!);
  }

  /** Recent loss per task (NaN = never observed). */
  recentLosses(): Float64Array {
    return this.#recent.slice();
  }

  /** Current sampling probabilities (sum 1). */
  probabilities(): Float64Array<ArrayBuffer> {
    const T = this.tasks;
    const p = new Float64Array(T);
    let max = -Infinity;
    for (const r of this.#recent) if (r > max) max = r;
    if (max === -Infinity || !Number.isFinite(this.temperature)) return p.fill(1 / T);
    let sum = 0;
    for (let i = 0; i < T; i++) {
      const r = this.#recent[i]!;
      const v = Math.exp(((Number.isNaN(r) ? max : r) - max) / this.temperature);
      p[i] = v;
      sum += v;
    }
    const mass = 1 - T * this.floor;
    for (let i = 0; i < T; i++) p[i] = this.floor + mass * p[i]! / sum;
    return p;
  }

  /** Draws `count` task ids (independently, with replacement) from the current probabilities. */
  sample(count: number): Uint32Array<ArrayBuffer> {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(
        `Cannot sample tasks as count must be an integer >= 0: current value is ${count}`,
      );
    }
    const p = this.probabilities();
    const cdf = new Float64Array(this.tasks);
    let acc = 0;
    for (let i = 0; i < this.tasks; i++) cdf[i] = acc += p[i]!;
    const out = new Uint32Array(count);
    for (let n = 0; n < count; n++) {
      const u = this.#rng.uniform() * acc;
      let lo = 0;
      let hi = this.tasks - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid]! > u) hi = mid;
        else lo = mid + 1;
      }
      out[n] = lo;
    }
    return out;
  }

  /** The state to save: recent losses and the RNG position. */
  state(): TaskSamplerState {
    return { recent: Array.from(this.#recent), rng: this.#rng.state() };
  }
}
