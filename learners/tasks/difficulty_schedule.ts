/**
 * Difficulty schedules for curricula: a difficulty in [0, 1] per step that a task family maps to
 * its own knobs (e.g. `syntheticDifficulty`). Time-based (linear, step) or performance-triggered.
 * @module
 */

/** A curriculum: `difficulty(step)` in [0, 1]; `observe` feeds back a metric (used by the performance schedule). */
export interface DifficultySchedule {
  /** Which schedule. */
  readonly kind: "linear" | "step" | "performance";
  /** Difficulty at `step` (performance schedule: the current level, whatever the step). */
  difficulty(step: number): number;
  /** Reports a metric (e.g. query accuracy) measured at the current difficulty. */
  observe(metric: number): void;
}

/** Options of `linearSchedule`. */
export interface LinearScheduleOptions {
  /** Difficulty at step 0 (default 0). */
  start?: number;
  /** Difficulty from step `steps` on (default 1). */
  end?: number;
  /** Steps of the ramp (>= 1). */
  steps: number;
}

/** Linear ramp: start + (end - start) * min(step / steps, 1), clamped to [0, 1]. */
export function linearSchedule(options: LinearScheduleOptions): DifficultySchedule {
  const start = unit(options.start ?? 0, "start");
  const end = unit(options.end ?? 1, "end");
  atLeastOne(options.steps, "linear schedule as steps");
  return {
    kind: "linear",
    difficulty(step: number): number {
      const t = Math.min(Math.max(step / options.steps, 0), 1);
      return start + (end - start) * t;
    },
    observe(): void {},
  };
}

/** Options of `stepSchedule`. */
export interface StepScheduleOptions {
  /** Difficulty levels in order, each in [0, 1]. */
  levels: readonly number[];
  /** Steps spent at each level before the next (>= 1); the last level is kept. */
  every: number;
}

/** Staircase: levels[min(floor(step / every), levels.length - 1)]. */
export function stepSchedule(options: StepScheduleOptions): DifficultySchedule {
  if (options.levels.length === 0) {
    throw new RangeError(
      `Cannot create step schedule as levels must not be empty: current length is 0`,
    );
  }
  const levels = options.levels.map((v, i) => unit(v, `levels[${i}]`));
  atLeastOne(options.every, "step schedule as every");
  return {
    kind: "step",
    difficulty(step: number): number {
      const i = Math.min(Math.max(Math.floor(step / options.every), 0), levels.length - 1);
      return levels[i]!;
    },
    observe(): void {},
  };
}

/** Options of `PerformanceSchedule`. */
export interface PerformanceScheduleOptions {
  /** Starting difficulty (default 0). */
  start?: number;
  /** Amount added at each promotion, capped at 1 (default 0.1). */
  increment?: number;
  /** Metric threshold that counts as mastered (e.g. accuracy 0.8). */
  threshold: number;
  /** "max": mastered when metric >= threshold (accuracy, default); "min": when metric <= threshold (loss). */
  mode?: "max" | "min";
  /** Consecutive mastered observations needed to promote (default 3). */
  patience?: number;
}

/**
 * Performance-triggered curriculum: the difficulty rises by `increment` (up to 1) after `patience`
 * consecutive observations that meet the threshold; a miss resets the count. It never goes down.
 */
export class PerformanceSchedule implements DifficultySchedule {
  /** Always "performance". */
  readonly kind = "performance" as const;
  #level: number;
  #streak = 0;
  #increment: number;
  #threshold: number;
  #mode: "max" | "min";
  #patience: number;

  /** Creates the schedule at `options.start`. */
  constructor(options: PerformanceScheduleOptions) {
    this.#level = unit(options.start ?? 0, "start");
    this.#increment = options.increment ?? 0.1;
    if (!(this.#increment > 0 && this.#increment <= 1)) {
      throw new RangeError(
        `Cannot create performance schedule as increment must be in (0, 1]: current value is ${this.#increment}`,
      );
    }
    if (!Number.isFinite(options.threshold)) {
      throw new RangeError(
        `Cannot create performance schedule as threshold must be finite: current value is ${options.threshold}`,
      );
    }
    this.#threshold = options.threshold;
    this.#mode = options.mode ?? "max";
    this.#patience = options.patience ?? 3;
    if (!Number.isInteger(this.#patience) || this.#patience < 1) {
      throw new RangeError(
        `Cannot create performance schedule as patience must be an integer >= 1: current value is ${this.#patience}`,
      );
    }
  }

  /** The current level (the step is ignored). */
  difficulty(_step?: number): number {
    return this.#level;
  }

  /** Counts a mastered observation or resets the streak; promotes after `patience` in a row. */
  observe(metric: number): void {
    const ok = this.#mode === "max" ? metric >= this.#threshold : metric <= this.#threshold;
    this.#streak = ok ? this.#streak + 1 : 0;
    if (this.#streak >= this.#patience) {
      this.#level = Math.min(1, this.#level + this.#increment);
      this.#streak = 0;
    }
  }

  /** Saved state: level and streak. */
  state(): { level: number; streak: number } {
    return { level: this.#level, streak: this.#streak };
  }

  /** Restores a saved state (level in [0, 1]). */
  restore(state: { level: number; streak: number }): void {
    this.#level = unit(state.level, "level");
    this.#streak = state.streak;
  }
}

function unit(v: number, field: string): number {
  if (!(v >= 0 && v <= 1)) {
    throw new RangeError(
      `Cannot create schedule as ${field} must be in [0, 1]: current value is ${v}`,
    );
  }
  return v;
}

/** Throws a RangeError naming `what` (schedule and field) unless v >= 1. */
function atLeastOne(v: number, what: string): void {
  if (!(v >= 1)) {
    throw new RangeError(`Cannot create ${what} must be >= 1: current value is ${v}`);
  }
}
