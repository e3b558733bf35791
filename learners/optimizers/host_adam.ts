/**
 * Adam on a host vector (Kingma and Ba 2015): the one host-side Adam of the engine, used by the
 * meta-updates of few-shot meta-learners and by the meta-training of learned optimizers.
 * @module
 */

/** Serializable state of a `HostAdam` (checkpoints): its moments and step count. */
export interface HostAdamState {
  /** First moments. */
  m: number[];
  /** Second moments. */
  v: number[];
  /** Steps taken. */
  t: number;
}

/** Adam on a host vector (Kingma and Ba 2015), used for meta-updates. */
export class HostAdam {
  #m: Float64Array;
  #v: Float64Array;
  #t = 0;
  /** beta1, beta2, eps. */
  readonly betas: [number, number, number];

  /** Zeroed moments for `n` parameters. */
  constructor(n: number, betas: [number, number, number] = [0.9, 0.999, 1e-8]) {
    this.#m = new Float64Array(n);
    this.#v = new Float64Array(n);
    this.betas = betas;
  }

  /** Steps taken so far (the bias corrections of the next step use `steps + 1`). */
  get steps(): number {
    return this.#t;
  }

  /** theta -= lr * adam(grad) on the first `count` entries; grad entries that are not finite count as 0. */
  step(
    theta: Float32Array | Float64Array,
    grad: ArrayLike<number>,
    lr: number,
    count = theta.length,
  ): void {
    const [b1, b2, eps] = this.betas;
    this.#t++;
    const c1 = 1 - Math.pow(b1, this.#t);
    const c2 = 1 - Math.pow(b2, this.#t);
    for (let i = 0; i < count; i++) {
      const g = Number.isFinite(grad[i]!) ? grad[i]! : 0;
      this.#m[i] = b1 * this.#m[i]! + (1 - b1) * g;
      this.#v[i] = b2 * this.#v[i]! + (1 - b2) * g * g;
      theta[i] = theta[i]! - lr * (this.#m[i]! / c1) / (Math.sqrt(this.#v[i]! / c2) + eps);
    }
  }

  /** The state to save; `HostAdam.fromState` continues exactly. */
  state(): HostAdamState {
    return { m: Array.from(this.#m), v: Array.from(this.#v), t: this.#t };
  }

  /** Restores an optimizer from a saved state. */
  static fromState(s: HostAdamState, betas?: [number, number, number]): HostAdam {
    const a = new HostAdam(s.m.length, betas);
    a.#m.set(s.m);
    a.#v.set(s.v);
    a.#t = s.t;
    return a;
  }

  /** A deep copy (PBT exploit copies the optimizer state too). */
  clone(): HostAdam {
    const a = new HostAdam(this.#m.length, this.betas);
    a.#m.set(this.#m);
    a.#v.set(this.#v);
    a.#t = this.#t;
    return a;
  }
}
