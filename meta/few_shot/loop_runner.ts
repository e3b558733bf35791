/**
 * Runs a meta-learner whose meta-iteration is one of the backend's meta loops (Reptile, FOMAML;
 * learners/meta_train/meta_loop.ts): `step` is one iteration and one read; `train` enqueues all
 * the iterations up to the next logged point, then reads once and validates once (one inner loop
 * and one evaluation readback). The host copy of the state (theta, Adam moments and step) is the
 * truth between calls: it is written to the loop at the start of each call and read back at the end.
 * @module
 */
import { Rng } from "../../core/rng.ts";
import {
  META_LOG_WIDTH,
  type MetaLoop,
  type MetaLoopMethod,
  momentFloats,
  type ProtonetDistance,
} from "../../learners/meta_train/mod.ts";
import type { EpisodePool } from "./episode_pool.ts";
import type { InnerLoop } from "./inner_loop.ts";
import { metricPart } from "./metric.ts";
import type {
  MetaKnobs,
  MetaLearnerState,
  MetaLearnerTrainOptions,
  MetaLearnerTrainResult,
  MetaValidation,
} from "./meta_learner.ts";
import { checkTrainOptions, drawIds, isLogPoint } from "./train_by_steps.ts";

/** The metrics row of one log row of the loop, by method (the columns `step` returns). */
export function loopRow(
  method: MetaLoopMethod,
  log: Float32Array,
  row: number,
): Record<string, number> {
  const r = log.subarray(row * META_LOG_WIDTH, (row + 1) * META_LOG_WIDTH);
  if (method === "reptile") return { update_norm: r[1]!, tasks_used: r[2]! };
  const queryLoss = r[3]! > 0 ? r[0]! : NaN;
  if (method === "es-maml") {
    return { query_loss: queryLoss, es_grad_norm: r[1]!, tasks_used: r[2]! };
  }
  // Meta-SGD's alpha_mean is added by LoopRunner from the alpha read back.
  return { query_loss: queryLoss, meta_grad_norm: r[1]!, tasks_used: r[2]! };
}

/**
 * The validation metric after adapting theta with `steps` SGD steps at innerLr: mean query
 * accuracy or loss of `v`'s episodes (one evaluation readback per chunk of InnerLoop.adapt).
 */
export async function validateAdapted(
  loop: InnerLoop,
  theta: Float32Array,
  knobs: MetaKnobs,
  v: MetaValidation,
): Promise<number> {
  const steps = v.steps ?? knobs.innerSteps;
  const rows = await loop.adapt(
    v.pool,
    v.ids,
    { tile: theta },
    { lr: knobs.innerLr, steps },
    async ({ pop, gathered }) =>
      metricPart(await pop.evaluate(v.pool.data, gathered.query), v.metric),
  );
  let s = 0;
  let n = 0;
  for (const row of rows) {
    for (const x of row) s += x;
    n += row.length;
  }
  return s / n;
}

/** What a method adds to a LoopRunner (Meta-SGD: its learned rates, their clamp, its validation). */
export interface LoopRunnerExtras {
  /** Meta-SGD: the learner's per-parameter inner rates (stride; updated in place). */
  alpha?: Float32Array<ArrayBuffer>;
  /** Meta-SGD: the clamp of alpha. */
  alphaMax?: number;
  /** ES-MAML: the perturbation scale. */
  sigma?: number;
  /** ES-MAML: the seed of the perturbations. */
  seed?: number;
  /** ProtoNet: the distance of queries to prototypes (default Euclidean). */
  distance?: ProtonetDistance;
  /** Zero theta's output layer after every meta-update (MetaLoopSpec.headReset). */
  headReset?: boolean;
  /** The validation metric, when the method does not adapt by plain SGD (default validateAdapted). */
  validate?: (v: MetaValidation) => Promise<number>;
}

/** The state of a loop-run meta-learner; the backend loops belong to its InnerLoop. */
export class LoopRunner {
  /** The method. */
  readonly method: MetaLoopMethod;
  /** The learner's theta (updated in place). */
  readonly theta: Float32Array<ArrayBuffer>;
  /** The learner's knobs (read at each call). */
  readonly knobs: MetaKnobs;
  /** Adam moments (momentFloats(method, stride)). */
  readonly moments: Float32Array<ArrayBuffer>;
  /** Adam steps taken. */
  t = 0;
  #inner: InnerLoop;
  #extra: LoopRunnerExtras;

  /** Shares `theta`, `knobs` and extras.alpha with the learner. */
  constructor(
    inner: InnerLoop,
    method: MetaLoopMethod,
    theta: Float32Array<ArrayBuffer>,
    knobs: MetaKnobs,
    extras: LoopRunnerExtras = {},
  ) {
    this.#inner = inner;
    this.method = method;
    this.theta = theta;
    this.knobs = knobs;
    this.moments = new Float32Array(momentFloats(method, theta.length));
    this.#extra = extras;
  }

  /** A copy of the host state: theta, moments, t and Meta-SGD's alpha. */
  saveState(): MetaLearnerState {
    const alpha = this.#extra.alpha?.slice();
    const s = { theta: this.theta.slice(), moments: this.moments.slice(), t: this.t };
    return alpha ? { ...s, alpha } : s;
  }

  /** Sets the host state from `s` (lengths as this runner's; throws a RangeError otherwise). */
  loadState(s: MetaLearnerState): void {
    const alpha = this.#extra.alpha;
    const sizes: [string, ArrayLike<number> | undefined, ArrayLike<number> | undefined][] = [
      ["theta", s.theta, this.theta],
      ["moments", s.moments, this.moments],
      ["alpha", s.alpha, alpha],
    ];
    if (!Number.isInteger(s.t) || s.t < 0) {
      throw new RangeError(
        `Cannot load ${this.method} state as t must be an integer >= 0: current value is ${s.t}`,
      );
    }
    for (const [name, got, want] of sizes) {
      if (got?.length !== want?.length) {
        throw new RangeError(
          `Cannot load ${this.method} state as ${name} must have ${
            want?.length ?? 0
          } entries: current value is ${got?.length ?? 0}`,
        );
      }
    }
    this.theta.set(s.theta);
    this.moments.set(s.moments);
    if (alpha && s.alpha) alpha.set(s.alpha);
    this.t = s.t;
  }

  /** The backend loop for meta-batch P and the current knobs, holding the host state. */
  async #loop(P: number): Promise<MetaLoop> {
    const { innerLr, innerSteps, metaLr } = this.knobs;
    const loop = await this.#inner.metaLoop({
      method: this.method,
      metaBatch: P,
      innerLr,
      innerSteps,
      metaLr,
      alphaMax: this.#extra.alphaMax,
      sigma: this.#extra.sigma,
      seed: this.#extra.seed,
      distance: this.#extra.distance,
      headReset: this.#extra.headReset,
    });
    const { theta, moments, t } = this;
    loop.write({ theta, moments, t, alpha: this.#extra.alpha });
    return loop;
  }

  /** Reads the loop's state into the host copy; returns the log rows. */
  async #read(loop: MetaLoop): Promise<Float32Array> {
    const r = await loop.read();
    this.theta.set(r.state.theta.subarray(0, this.theta.length));
    this.moments.set(r.state.moments.subarray(0, this.moments.length));
    this.t = r.state.t;
    if (this.#extra.alpha && r.state.alpha) this.#extra.alpha.set(r.state.alpha);
    return r.log;
  }

  /** The metrics row of log row `row`, with alpha_mean for Meta-SGD. */
  #row(log: Float32Array, row: number): Record<string, number> {
    const out = loopRow(this.method, log, row);
    const alpha = this.#extra.alpha;
    if (alpha) {
      const n = this.#inner.layout.paramCount;
      out.alpha_mean = alpha.subarray(0, n).reduce((a, b) => a + b, 0) / n;
    }
    return out;
  }

  /** One meta-iteration on episodes `ids` of `pool`; returns its metrics row. */
  async step(pool: EpisodePool, ids: Uint32Array): Promise<Record<string, number>> {
    const loop = await this.#loop(ids.length);
    loop.run(pool.batch, pool.data, Uint32Array.from(ids));
    return this.#row(await this.#read(loop), 0);
  }

  /** `MetaLearner.train` on the backend's loop (see the module doc). */
  async train(pool: EpisodePool, o: MetaLearnerTrainOptions): Promise<MetaLearnerTrainResult> {
    checkTrainOptions(o, pool.size);
    const loop = await this.#loop(o.metaBatch);
    const rng = new Rng(o.seed);
    const rows: Record<string, number>[] = [];
    let ms = 0;
    for (let done = 0; done < o.iterations;) {
      let n = 0;
      while (!isLogPoint(done + n, o)) n++;
      n++;
      const ids = new Uint32Array(n * o.metaBatch);
      for (let i = 0; i < n; i++) ids.set(drawIds(rng, o.metaBatch, pool.size), i * o.metaBatch);
      const t0 = performance.now();
      loop.run(pool.batch, pool.data, ids);
      const log = await this.#read(loop);
      ms += performance.now() - t0;
      done += n;
      const out: Record<string, number> = { iteration: done };
      const v = o.validation;
      if (v) {
        out.val_query = await (this.#extra.validate?.(v) ??
          validateAdapted(this.#inner, this.theta, this.knobs, v));
      }
      rows.push({ ...out, ...this.#row(log, n - 1) });
    }
    return { rows, seconds: ms / 1000, itersPerSecond: o.iterations / (ms / 1000) };
  }
}
