/**
 * MirrorMind's experience replay: a bounded memory of past tasks (episode ids) with an importance
 * each (e.g. the query loss after adaptation); sampling is proportional to importance^alpha, and
 * when full the least important entry is replaced. Deterministic given its seed.
 * @module
 */
import { Rng } from "../../../core/rng.ts";

/** Options of `ExperienceReplay`. */
export interface ExperienceReplayOptions {
  /** Maximum number of remembered tasks. */
  capacity: number;
  /** Priority exponent (0 = uniform, default 1). */
  alpha?: number;
  /** Seed of the sampling draws (default 0). */
  seed?: number;
}

/** Importance-weighted replay memory of task ids. */
export class ExperienceReplay {
  /** Capacity. */
  readonly capacity: number;
  /** Priority exponent. */
  readonly alpha: number;
  #ids: number[] = [];
  #importance: number[] = [];
  #rng: Rng;

  /** Creates an empty memory. */
  constructor(options: ExperienceReplayOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(
        `Cannot create replay as capacity must be an integer >= 1: current value is ${options.capacity}`,
      );
    }
    this.capacity = options.capacity;
    this.alpha = options.alpha ?? 1;
    this.#rng = new Rng(options.seed ?? 0, 7);
  }

  /** Number of remembered tasks. */
  get size(): number {
    return this.#ids.length;
  }

  /** Remembers (or refreshes) task `id` with `importance` >= 0; evicts the least important when full. */
  add(id: number, importance: number): void {
    const w = Number.isFinite(importance) ? Math.max(importance, 0) : 0;
    const at = this.#ids.indexOf(id);
    if (at >= 0) {
      this.#importance[at] = w;
      return;
    }
    if (this.#ids.length < this.capacity) {
      this.#ids.push(id);
      this.#importance.push(w);
      return;
    }
    let min = 0;
    for (let i = 1; i < this.#importance.length; i++) {
      if (this.#importance[i]! < this.#importance[min]!) min = i;
    }
    if (w > this.#importance[min]!) {
      this.#ids[min] = id;
      this.#importance[min] = w;
    }
  }

  /** Draws `count` ids with probability proportional to importance^alpha (uniform if all 0). */
  sample(count: number): number[] {
    if (this.#ids.length === 0) return [];
    const w = this.#importance.map((v) => Math.pow(v, this.alpha));
    let total = w.reduce((a, b) => a + b, 0);
    if (!(total > 0)) (w.fill(1), total = w.length);
    const out: number[] = [];
    for (let n = 0; n < count; n++) {
      let u = this.#rng.uniform() * total;
      let i = 0;
      while (i < w.length - 1 && u >= w[i]!) u -= w[i++]!;
      out.push(this.#ids[i]!);
    }
    return out;
  }
}
