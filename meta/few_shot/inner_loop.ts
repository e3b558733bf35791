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

/** Parameters that every model of a call starts from: one row (paramCount or stride floats). */
export interface TiledParams {
  /** The row, tiled for one chunk of models at a time (never for all P at once). */
  tile: Float32Array;
}

/**
 * Where the models of `InnerLoop.adapt` or `curve` start: a (P, stride) table, one row shared by
 * every model, or null for the seeded He/Xavier init.
 */
export type StartParams = Float32Array<ArrayBuffer> | TiledParams | null;

/** Models `first` .. `first + ids.length - 1` of a call, with their share of its inputs. */
export interface Chunk {
  /** The index in the call of the chunk's first model. */
  first: number;
  /** The chunk's episode ids. */
  ids: number[];
  /** The chunk's start rows (count, stride), or null for the seeded init. */
  params: Float32Array<ArrayBuffer> | null;
  /** A per-model value of the call cut to the chunk (a number stays as it is). */
  part(v: number | ArrayLike<number>): number | number[];
}

/** Models of a call after their inner steps: one population of a chunk of the call's models. */
export interface AdaptedChunk {
  /** The population holding the chunk (reused by the next chunk of the same size). */
  pop: Population;
  /** The chunk's gathered episodes. */
  gathered: GatheredEpisodes;
  /** The index in the call of the chunk's first model. */
  first: number;
}

/**
 * Bytes of one population's parameter table above which `InnerLoop.adapt` and `curve` split their
 * models into populations run one after the other: 600 meta-test episodes of a 196-256-256-5
 * network (117,512 floats a model) took 282 MB a table and 1.2 GB in all in one population.
 */
export const CHUNK_PARAM_BYTES = 128 * 1024 * 1024;

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

  #chunkBytes: number;

  /** Validates the spec; `chunkParamBytes` replaces CHUNK_PARAM_BYTES (tests). */
  constructor(backend: Backend, spec: LearnerSpec, options: { chunkParamBytes?: number } = {}) {
    this.backend = backend;
    this.spec = spec;
    this.layout = mlpLayout({ size: 1, ...spec });
    this.#chunkBytes = options.chunkParamBytes ?? CHUNK_PARAM_BYTES;
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
   * run as stages; a model past its count trains at lr 0 up to the call's largest count, so its
   * parameters stay put). Models run in populations of at most `chunkSize(P)` models, one after the
   * other; `each` reads a chunk's population before the next chunk loads (each model's numbers are
   * the same as in one population of P). Returns what `each` returned, chunk by chunk.
   */
  async adapt<T>(
    pool: EpisodePool,
    ids: ArrayLike<number>,
    params: StartParams,
    options: AdaptOptions,
    each: (chunk: AdaptedChunk) => T | Promise<T>,
  ): Promise<T[]> {
    const P = ids.length;
    const steps = perModel(options.steps, P);
    perModel(options.lr, P);
    const kMax = Math.max(...steps);
    return await this.chunks(ids, params, async (c) => {
      const lrs = Float64Array.from(perModel(c.part(options.lr), c.ids.length));
      const mine = perModel(c.part(steps), c.ids.length);
      const loaded = this.load(pool, c.ids, c.params, {
        lr: lrs,
        supportSlots: Math.max(kMax, 1),
        querySlot: options.querySlot,
        seed: options.seed,
        first: c.first,
      });
      const stages = [...new Set([...mine, kMax])].sort((a, b) => a - b);
      let done = 0;
      for (const k of stages) {
        if (k > done) {
          loaded.pop.train(pool.data, k - done);
          done = k;
        }
        if (k < kMax) {
          for (let p = 0; p < mine.length; p++) if (mine[p] === k) lrs[p] = 0;
          loaded.pop.setKnobs(sgdKnobs(lrs, mine.length));
        }
      }
      return await each({ ...loaded, first: c.first });
    });
  }

  /**
   * Evaluates every model on its query set after 0, 1, ..., `steps` inner steps (steps+1 reads)
   * and on its support set at the end. Models run in populations of at most `chunkSize(P)` models
   * each, one after the other (each model's numbers are the same as in one population of P).
   */
  async curve(
    pool: EpisodePool,
    ids: ArrayLike<number>,
    params: StartParams,
    options: { lr: number | ArrayLike<number>; steps: number; seed?: number },
  ): Promise<AdaptCurve> {
    const P = ids.length;
    perModel(options.lr, P);
    const parts = await this.chunks(
      ids,
      params,
      (c) =>
        this.#curve(pool, c.ids, c.params, { ...options, lr: c.part(options.lr), first: c.first }),
    );
    return joinCurves(parts, P, this.chunkSize(P));
  }

  /**
   * Models `adapt` and `curve` run per population for P models: P split evenly into the fewest
   * parts whose parameters take at most CHUNK_PARAM_BYTES bytes (a population of P holds several
   * such tables: parameters, their next copy, optimizer moments).
   */
  chunkSize(P: number): number {
    const most = Math.max(1, Math.floor(this.#chunkBytes / (this.layout.stride * 4)));
    return Math.ceil(P / Math.ceil(P / most));
  }

  /**
   * Runs `run` on the chunks of a call's P models in order (at most `chunkSize(P)` models each):
   * their ids, their start rows (a slice of a table, or one chunk's tiling of a shared row, built
   * once for all chunks and shared by them: copy before changing it) and `first`.
   */
  async chunks<T>(
    ids: ArrayLike<number>,
    params: StartParams,
    run: (c: Chunk) => Promise<T>,
  ): Promise<T[]> {
    const P = ids.length;
    const S = this.layout.stride;
    const n = this.chunkSize(P);
    if (params instanceof Float32Array && params.length !== P * S) {
      throw new RangeError(
        `Cannot run inner loop as params must have P*stride = ${
          P * S
        } entries: current value is ${params.length}`,
      );
    }
    // A shared row is tiled once for the largest chunk; every chunk starts from its first rows.
    const tile = params && !(params instanceof Float32Array)
      ? tileParams(params.tile, Math.min(n, P), S)
      : null;
    const out: T[] = [];
    for (let first = 0; first < P; first += n) {
      const end = Math.min(P, first + n);
      const rows = tile
        ? tile.subarray(0, (end - first) * S)
        : params instanceof Float32Array
        ? params.subarray(first * S, end * S)
        : null;
      out.push(
        await run({
          first,
          ids: Array.prototype.slice.call(ids, first, end),
          params: rows,
          part: (v) => typeof v === "number" ? v : Array.prototype.slice.call(v, first, end),
        }),
      );
    }
    return out;
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

  /** The meta loops created so far (one per distinct spec), e.g. to tell which kind a run used. */
  createdMetaLoops(): Promise<MetaLoop[]> {
    return Promise.all(this.#metaLoops.values());
  }

  /** Frees every population and meta loop. */
  destroy(): void {
    for (const p of this.#pops.values()) p.destroy();
    this.#pops.clear();
    for (const l of this.#metaLoops.values()) l.then((x) => x.destroy(), () => {});
    this.#metaLoops.clear();
  }
}

/**
 * One curve of P models from the curves of their chunks in order (`n` models each, the last one
 * fewer), as `InnerLoop.chunks` cut them.
 */
export function joinCurves(parts: readonly AdaptCurve[], P: number, n: number): AdaptCurve {
  if (parts.length === 1) return parts[0]!;
  const join = (pick: (c: AdaptCurve) => Float32Array) => {
    const out = new Float32Array(P);
    parts.forEach((c, i) => out.set(pick(c).subarray(0, Math.min(n, P - i * n)), i * n));
    return out;
  };
  const steps = Array.from({ length: parts[0]!.accuracy.length }, (_, k) => k);
  return {
    accuracy: steps.map((k) => join((c) => c.accuracy[k]!)),
    loss: steps.map((k) => join((c) => c.loss[k]!)),
    supportLoss: join((c) => c.supportLoss),
    supportAccuracy: join((c) => c.supportAccuracy),
  };
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
