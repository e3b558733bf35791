/**
 * MirrorMind's gradient-health monitor: keeps a window of gradient norms and flags non-finite,
 * exploding (above `explode`, or above `spike` times the window median) and vanishing (below
 * `vanish`) gradients.
 * @module
 */

/** Health of one observation. */
export type GradientHealth = "ok" | "vanishing" | "exploding" | "non-finite";

/** Options of `GradientMonitor`. */
export interface GradientMonitorOptions {
  /** Norm below which gradients vanish (default 1e-6). */
  vanish?: number;
  /** Norm above which gradients explode (default 1e3). */
  explode?: number;
  /** Ratio to the window median that counts as a spike (default 10). */
  spike?: number;
  /** Window length (default 20). */
  window?: number;
}

/** A gradient monitor's state: its window of recent norms and its counts per verdict. */
export interface GradientMonitorState {
  /** Recent finite norms, oldest first. */
  norms: number[];
  /** Observations per verdict. */
  counts: Record<GradientHealth, number>;
}

/** Gradient-health monitor over a stream of norms. */
export class GradientMonitor {
  #norms: number[] = [];
  #o: Required<GradientMonitorOptions>;
  /** Count of each verdict so far. */
  readonly counts: Record<GradientHealth, number> = {
    ok: 0,
    vanishing: 0,
    exploding: 0,
    "non-finite": 0,
  };

  /** Creates an empty monitor. */
  constructor(options: GradientMonitorOptions = {}) {
    this.#o = {
      vanish: options.vanish ?? 1e-6,
      explode: options.explode ?? 1e3,
      spike: options.spike ?? 10,
      window: options.window ?? 20,
    };
  }

  /** Its state (the window of norms and the counts), for a checkpoint. */
  saveState(): GradientMonitorState {
    return { norms: [...this.#norms], counts: { ...this.counts } };
  }

  /** Continues from a state `saveState` returned (a monitor built with the same options). */
  loadState(s: GradientMonitorState): void {
    this.#norms = [...s.norms];
    Object.assign(this.counts, s.counts);
  }

  /** Median of the window (NaN when empty). */
  median(): number {
    if (this.#norms.length === 0) return NaN;
    const s = [...this.#norms].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  }

  /** Records one norm and classifies it (the spike test uses the window before it). */
  observe(gradNorm: number): GradientHealth {
    let h: GradientHealth;
    if (!Number.isFinite(gradNorm)) h = "non-finite";
    else if (gradNorm > this.#o.explode) h = "exploding";
    else if (this.#norms.length >= 3 && gradNorm > this.#o.spike * this.median()) h = "exploding";
    else if (gradNorm < this.#o.vanish) h = "vanishing";
    else h = "ok";
    this.counts[h]++;
    if (Number.isFinite(gradNorm)) {
      this.#norms.push(gradNorm);
      if (this.#norms.length > this.#o.window) this.#norms.shift();
    }
    return h;
  }
}
