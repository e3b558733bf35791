/**
 * The inner loop of few-shot meta-learning for a whole meta-batch at once: one population, model p
 * starting from its own initialization and adapting to episode `ids[p]` of a pool with plain SGD
 * (its own learning rate and step count), all models in the same fused dispatches. Nothing is read
 * back here except by `curve`, which evaluates every model after each inner step.
 * @module
 */
import type { Backend } from "../../learners/backend.ts";
import type { Population } from "../../learners/backend.ts";
import type { MetaLoop, MetaLoopSpec } from "../../learners/meta_train/meta_loop.ts";
import type { Knobs } from "../../learners/optimizers/knobs.ts";
import type { Activation, LossKind, MlpLayout } from "../../learners/mlp/mlp_layout.ts";
import { mlpLayout } from "../../learners/mlp/mlp_layout.ts";
import type { EpisodePool, GatheredEpisodes } from "./episode_pool.ts";

/** The shape of the learners: widths, activation, loss and the inner batch size. */
export interface LearnerSpec {
  /** Layer widths [inputs, hidden..., outputs]. */
  widths: number[];
  /** Hidden nonlinearity (default relu). */
  activation?: Activation;
  /** Loss head (cross_entropy for classification, mse for regression). */
  loss?: LossKind;
  /** Inner batch size; a multiple of the support size gives exact full-batch steps. */
  batchSize: number;
}

/** Options of `InnerLoop.adapt`. */
export interface AdaptOptions {
  /** Inner SGD learning rate: one for all models or one per model. */
  lr: number | ArrayLike<number>;
  /** Inner steps: one for all models or one per model (models with fewer steps idle at lr 0). */
  steps: number | ArrayLike<number>;
  /** Adds a query slot after the support slots, so `gradients` afterwards is the query gradient. */
  querySlot?: boolean;
  /** Seed of the He/Xavier init used when `params` is null (training from scratch). */
  seed?: number;
}

/** Per-step evaluation of a meta-batch: accuracy and loss after 0..steps inner steps. */
export interface AdaptCurve {
  /** accuracy[k][p]: query accuracy of model p after k inner steps. */
  accuracy: Float32Array[];
  /** loss[k][p]: query loss of model p after k inner steps (NaN/Infinity when diverged). */
  loss: Float32Array[];
  /** Support loss of each model after the last step. */
  supportLoss: Float32Array;
  /** Support accuracy of each model after the last step. */
  supportAccuracy: Float32Array;
}

/** Copies one parameter row (length paramCount or stride) into every row of a (P, stride) table. */
export function tileParams(
  theta: Float32Array,
  P: number,
  stride: number,
): Float32Array<ArrayBuffer> {
  const out = new Float32Array(P * stride);
  const n = Math.min(theta.length, stride);
  for (let p = 0; p < P; p++) out.set(theta.subarray(0, n), p * stride);
  return out;
}

/**
 * Bytes of one population's parameter table above which `InnerLoop.curve` splits its models into
 * populations run one after the other: 600 meta-test episodes of a 196-256-256-5 network (117,512
 * floats a model) took 282 MB a table and 1.2 GB in all in one population.
 */
export const CURVE_PARAM_BYTES = 128 * 1024 * 1024;

/** Runs inner loops of meta-batches on one backend, with one population per population size. */
export class InnerLoop {
  /** The backend. */
  readonly backend: Backend;
  /** The learner spec. */
  readonly spec: LearnerSpec;
  /** The layout of one model (size 1). */
  readonly layout: MlpLayout;
  #pops = new Map<number, Population>();
  #metaLoops = new Map<string, Promise<MetaLoop>>();

  #curveBytes: number;

  /** Validates the spec; `curveParamBytes` replaces CURVE_PARAM_BYTES (tests). */
  constructor(backend: Backend, spec: LearnerSpec, options: { curveParamBytes?: number } = {}) {
    this.backend = backend;
    this.spec = spec;
    this.layout = mlpLayout({ size: 1, ...spec });
    this.#curveBytes = options.curveParamBytes ?? CURVE_PARAM_BYTES;
  }

  /** The population of `size` models (created once per size). */
  population(size: number): Population {
    let pop = this.#pops.get(size);
    if (!pop) {
      pop = this.backend.createPopulation({ size, ...this.spec });
      this.#pops.set(size, pop);
    }
    return pop;
  }

  /**
   * Loads a meta-batch: resets the population (quarantine flags, step counters), writes `params`
   * ((P, stride), or He/Xavier init from `seed` when null), the label maps, the batch table
   * (`supportSlots` support slots, then the query slot if asked) and SGD knobs.
   */
  load(
    pool: EpisodePool,
    ids: ArrayLike<number>,
    params: Float32Array<ArrayBuffer> | null,
    options: {
      lr: number | ArrayLike<number>;
      supportSlots?: number;
      querySlot?: boolean;
      seed?: number;
      /** With `params` null: model p takes the init of model `first` + p (default 0). */
      first?: number;
    },
  ): { pop: Population; gathered: GatheredEpisodes } {
    const P = ids.length;
    const pop = this.population(P);
    if (params) {
      pop.writeParams(params);
      pop.reset();
    } else pop.init(options.seed ?? 0, options.first ?? 0);
    const g = pool.gather(ids, this.spec.batchSize, options);
    pop.setBatches(g.batches, g.numBatches);
    pop.setLabelMap(g.labelMap, g.labelMapWidth);
    pop.setKnobs(sgdKnobs(options.lr, P));
    return { pop, gathered: g };
  }

  /**
   * Adapts every model to its episode: `steps` SGD steps on the support set (per-model step counts
   * run as stages; a model past its count trains at lr 0, so its parameters stay put). No readback.
   */
  adapt(
    pool: EpisodePool,
    ids: ArrayLike<number>,
    params: Float32Array<ArrayBuffer> | null,
    options: AdaptOptions,
  ): { pop: Population; gathered: GatheredEpisodes } {
    const P = ids.length;
    const steps = perModel(options.steps, P);
    const kMax = Math.max(...steps);
    const lrs = Float64Array.from(perModel(options.lr, P));
    const loaded = this.load(pool, ids, params, {
      lr: lrs,
      supportSlots: Math.max(kMax, 1),
      querySlot: options.querySlot,
      seed: options.seed,
    });
    const stages = [...new Set(steps)].sort((a, b) => a - b);
    let done = 0;
    for (const k of stages) {
      if (k > done) {
        loaded.pop.train(pool.data, k - done);
        done = k;
      }
      if (k < kMax) {
        for (let p = 0; p < P; p++) if (steps[p] === k) lrs[p] = 0;
        loaded.pop.setKnobs(sgdKnobs(lrs, P));
      }
    }
    return loaded;
  }

  /**
   * Evaluates every model on its query set after 0, 1, ..., `steps` inner steps (steps+1 reads)
   * and on its support set at the end. Models run in populations of at most `curveChunk(P)` models
   * each, one after the other (each model's numbers are the same as in one population of P).
   */
  async curve(
    pool: EpisodePool,
    ids: ArrayLike<number>,
    params: Float32Array<ArrayBuffer> | null,
    options: { lr: number | ArrayLike<number>; steps: number; seed?: number },
  ): Promise<AdaptCurve> {
    const P = ids.length;
    const n = this.curveChunk(P);
    if (n >= P) return await this.#curve(pool, ids, params, options);
    const S = this.layout.stride;
    const lr = options.lr;
    const parts: AdaptCurve[] = [];
    for (let first = 0; first < P; first += n) {
      const end = Math.min(P, first + n);
      parts.push(
        await this.#curve(
          pool,
          Array.prototype.slice.call(ids, first, end),
          params ? params.subarray(first * S, end * S) : null,
          {
            ...options,
            lr: typeof lr === "number" ? lr : Array.prototype.slice.call(lr, first, end),
            first,
          },
        ),
      );
    }
    const join = (pick: (c: AdaptCurve) => Float32Array) => {
      const out = new Float32Array(P);
      parts.forEach((c, i) => out.set(pick(c).subarray(0, Math.min(n, P - i * n)), i * n));
      return out;
    };
    const steps = Array.from({ length: options.steps + 1 }, (_, k) => k);
    return {
      accuracy: steps.map((k) => join((c) => c.accuracy[k]!)),
      loss: steps.map((k) => join((c) => c.loss[k]!)),
      supportLoss: join((c) => c.supportLoss),
      supportAccuracy: join((c) => c.supportAccuracy),
    };
  }

  /**
   * Models `curve` evaluates per population for P models: P split evenly into the fewest parts
   * whose parameters take at most CURVE_PARAM_BYTES bytes (a population of P holds several such tables:
   * parameters, their next copy, optimizer moments).
   */
  curveChunk(P: number): number {
    const most = Math.max(1, Math.floor(this.#curveBytes / (this.layout.stride * 4)));
    return Math.ceil(P / Math.ceil(P / most));
  }

  async #curve(
    pool: EpisodePool,
    ids: ArrayLike<number>,
    params: Float32Array<ArrayBuffer> | null,
    options: { lr: number | ArrayLike<number>; steps: number; seed?: number; first?: number },
  ): Promise<AdaptCurve> {
    const { pop, gathered } = this.load(pool, ids, params, {
      lr: options.lr,
      supportSlots: 1,
      seed: options.seed,
      first: options.first,
    });
    const accuracy: Float32Array[] = [];
    const loss: Float32Array[] = [];
    for (let k = 0; k <= options.steps; k++) {
      if (k > 0) pop.train(pool.data, 1);
      const ev = await pop.evaluate(pool.data, gathered.query);
      accuracy.push(ev.accuracy);
      loss.push(ev.loss);
    }
    const sup = await pop.evaluate(pool.data, gathered.support);
    return { accuracy, loss, supportLoss: sup.loss, supportAccuracy: sup.accuracy };
  }

  /**
   * The backend's meta-training loop for this learner shape and `o` (created once per distinct
   * method, meta-batch and knobs; freed by destroy).
   */
  metaLoop(
    o: Omit<MetaLoopSpec, "widths" | "activation" | "loss" | "batchSize">,
  ): Promise<MetaLoop> {
    const spec: MetaLoopSpec = { ...this.spec, ...o };
    const key = JSON.stringify(spec);
    let loop = this.#metaLoops.get(key);
    if (!loop) {
      loop = this.backend.createMetaLoop(spec);
      this.#metaLoops.set(key, loop);
    }
    return loop;
  }

  /** Frees every population and meta loop. */
  destroy(): void {
    for (const p of this.#pops.values()) p.destroy();
    this.#pops.clear();
    for (const l of this.#metaLoops.values()) l.then((x) => x.destroy(), () => {});
    this.#metaLoops.clear();
  }
}

function perModel(v: number | ArrayLike<number>, P: number): number[] {
  if (typeof v === "number") return new Array<number>(P).fill(v);
  if (v.length !== P) {
    throw new RangeError(
      `Cannot run inner loop as per-model values must have length ${P}: current value is ${v.length}`,
    );
  }
  return Array.from(v);
}

function sgdKnobs(lr: number | ArrayLike<number>, P: number): Knobs[] {
  return perModel(lr, P).map((l) => ({ lr: l, optimizer: "sgd" }));
}
