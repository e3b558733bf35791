/**
 * MirrorMind's dynamic learning-rate scheduler, plateau-aware: the rate is multiplied by `factor`
 * after `patience` observations without a relative improvement of `threshold` over the best
 * metric, then waits `cooldown` observations; never below `minLr`.
 * @module
 */

/** Options of `PlateauScheduler`. */
export interface PlateauSchedulerOptions {
  /** Starting learning rate. */
  lr: number;
  /** "min" for a loss (default), "max" for an accuracy. */
  mode?: "min" | "max";
  /** Multiplier on a plateau, in (0, 1) (default 0.5). */
  factor?: number;
  /** Observations without improvement before a cut (default 5). */
  patience?: number;
  /** Relative improvement that counts (default 1e-3). */
  threshold?: number;
  /** Observations ignored after a cut (default 0). */
  cooldown?: number;
  /** Floor of the rate (default 0). */
  minLr?: number;
}

/** A plateau scheduler's state. */
export interface PlateauSchedulerState {
  /** Current lr. */
  lr: number;
  /** Best metric seen. */
  best: number;
  /** Observations since the last improvement. */
  bad: number;
  /** Observations left in the cooldown. */
  cool: number;
}

/** Plateau-aware learning-rate scheduler. */
export class PlateauScheduler {
  #lr: number;
  #best: number;
  #bad = 0;
  #cool = 0;
  #o: Required<Omit<PlateauSchedulerOptions, "lr">>;

  /** Creates the scheduler at `options.lr`. */
  constructor(options: PlateauSchedulerOptions) {
    if (!(options.lr > 0)) {
      throw new RangeError(
        `Cannot create scheduler as lr must be > 0: current value is ${options.lr}`,
      );
    }
    this.#o = {
      mode: options.mode ?? "min",
      factor: options.factor ?? 0.5,
      patience: options.patience ?? 5,
      threshold: options.threshold ?? 1e-3,
      cooldown: options.cooldown ?? 0,
      minLr: options.minLr ?? 0,
    };
    if (!(this.#o.factor > 0 && this.#o.factor < 1)) {
      throw new RangeError(
        `Cannot create scheduler as factor must be in (0, 1): current value is ${this.#o.factor}`,
      );
    }
    this.#lr = options.lr;
    this.#best = this.#o.mode === "min" ? Infinity : -Infinity;
  }

  /** Its state (lr, best metric, bad and cooldown counts), for a checkpoint. */
  saveState(): PlateauSchedulerState {
    return { lr: this.#lr, best: this.#best, bad: this.#bad, cool: this.#cool };
  }

  /** Continues from a state `saveState` returned (a scheduler built with the same options). */
  loadState(s: PlateauSchedulerState): void {
    this.#lr = s.lr;
    this.#best = s.best;
    this.#bad = s.bad;
    this.#cool = s.cool;
  }

  /** Current learning rate. */
  get lr(): number {
    return this.#lr;
  }

  /** Feeds one metric; returns the new rate and whether it changed. */
  step(metric: number): { lr: number; changed: boolean } {
    const o = this.#o;
    const better = Number.isFinite(metric) &&
      (!Number.isFinite(this.#best) ||
        (o.mode === "min"
          ? metric < this.#best - Math.abs(this.#best) * o.threshold
          : metric > this.#best + Math.abs(this.#best) * o.threshold));
    if (better) {
      this.#best = metric;
      this.#bad = 0;
    } else this.#bad++;
    if (this.#cool > 0) {
      this.#cool--;
      this.#bad = 0;
      return { lr: this.#lr, changed: false };
    }
    if (this.#bad >= o.patience) {
      const next = Math.max(o.minLr, this.#lr * o.factor);
      const changed = next !== this.#lr;
      this.#lr = next;
      this.#bad = 0;
      this.#cool = o.cooldown;
      return { lr: next, changed };
    }
    return { lr: this.#lr, changed: false };
  }
}
