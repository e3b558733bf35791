/**
 * The populations of a GPU meta loop (learners/meta_train/gpu_meta_loop.ts). `query` holds
 * batchSize samples per slot; the loop's inner steps run on `inner`, which is `query` itself, or,
 * when the support set divides batchSize, a population of the same models whose batch is the
 * support set once (compacted). An inner step over batchSize samples drawn cyclically from a support
 * set of S samples is the mean over those S samples, so the compacted step computes the same update
 * from S samples instead of batchSize (5-way 1-shot with batchSize 25: a fifth of the samples), up
 * to float rounding. The query gradient then runs on `query` after `handoff` copies the adapted
 * parameters and the quarantine flags across. The CPU twin (cpu_meta_loop.ts) does not compact,
 * so the parity tests check the two paths against each other.
 * @module
 */
import type { GpuContext } from "../../core/gpu_context.ts";
import { submit } from "../../core/submit_batch.ts";
import type { GpuPopulation } from "../gpu/gpu_population.ts";
import { METRIC_STRIDE } from "../metrics_row.ts";
import { labelWidthOf } from "../tasks/episode_classes.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import type { GatherShape } from "./meta_gather.ts";
import { loopModels, type MetaLoopSpec, supportSlots, usesQuerySlot } from "./meta_loop.ts";

/** Makes a population of the loop's models and shape with another batch size. */
export type PopulationFactory = (batchSize: number) => GpuPopulation;

/** The gathers of one meta-iteration: into which population, with which row shape. */
export interface LoopGather {
  pop: GpuPopulation;
  shape: GatherShape;
}

/** The loop's populations (see the module doc). */
export class LoopPopulations {
  /** The population of batchSize samples per slot (the query gradient). */
  readonly query: GpuPopulation;
  #inner: GpuPopulation;
  #compact = new Map<number, GpuPopulation>();
  #factory: PopulationFactory | undefined;
  #spec: MetaLoopSpec;
  #gathers: LoopGather[] = [];
  #labelWidth = 0;

  /** `factory` makes the compacted populations (none: never compacts). */
  constructor(query: GpuPopulation, spec: MetaLoopSpec, factory?: PopulationFactory) {
    this.query = query;
    this.#inner = query;
    this.#spec = spec;
    this.#factory = factory;
  }

  /** The population the inner steps run on. */
  get inner(): GpuPopulation {
    return this.#inner;
  }

  /** Whether the inner steps run on a compacted population. */
  get compacted(): boolean {
    return this.#inner !== this.query;
  }

  /** Label-map row width of the episodes of the last `prepare` (0: labels as stored). */
  get labelWidth(): number {
    return this.#labelWidth;
  }

  /** The gathers of each iteration of the last `prepare`. */
  get gathers(): readonly LoopGather[] {
    return this.#gathers;
  }

  /**
   * Picks the inner population for `episodes` and sizes the tables of the populations used (the
   * gathers fill them on the device).
   */
  prepare(episodes: EpisodeBatch): void {
    const spec = this.#spec;
    const B = spec.batchSize;
    const S = episodes.supportSize;
    const models = loopModels(spec);
    const querySlot = usesQuerySlot(spec.method);
    const W = labelWidthOf(episodes);
    this.#labelWidth = W;
    const size = (pop: GpuPopulation, rowLen: number, slots: number) => {
      pop.setBatches(new Uint32Array(models * rowLen), slots);
      pop.setLabelMap(W > 0 ? new Uint32Array(models * W) : null, W);
    };
    if (!this.#factory || S >= B || B % S !== 0 || spec.method === "protonet") {
      this.#inner = this.query;
      const shape = { models, batchSize: B, slots: supportSlots(spec), querySlot };
      const slots = shape.slots + (querySlot ? 1 : 0);
      size(this.query, slots * B, slots);
      this.#gathers = [{ pop: this.query, shape }];
      return;
    }
    let inner = this.#compact.get(S);
    if (!inner) {
      inner = this.#factory(S);
      inner.setKnobs({ lr: spec.innerLr, optimizer: "sgd" });
      this.#compact.set(S, inner);
    }
    this.#inner = inner;
    // Every support slot holds the same samples: one slot, read at every step.
    size(inner, S, 1);
    this.#gathers = [{ pop: inner, shape: { models, batchSize: S, slots: 1, querySlot: false } }];
    if (querySlot) {
      size(this.query, B, 1);
      this.#gathers.push({ pop: this.query, shape: { models, batchSize: B, slots: 0, querySlot } });
    }
  }

  /** Clears the inner population's optimizer state, step counters and metrics (and query's). */
  clear(enc: GPUCommandEncoder): void {
    enc.clearBuffer(this.#inner.opt);
    enc.clearBuffer(this.#inner.steps);
    enc.clearBuffer(this.#inner.metrics);
    if (this.compacted) {
      enc.clearBuffer(this.query.steps);
      enc.clearBuffer(this.query.metrics);
    }
  }

  /** Compacted: submits copies of the adapted parameters and metrics rows from inner to query. */
  handoff(ctx: GpuContext): void {
    if (!this.compacted) return;
    const models = loopModels(this.#spec);
    const enc = ctx.device.createCommandEncoder({ label: "meta-loop-handoff" });
    const rows = models * this.query.layout.stride * 4;
    enc.copyBufferToBuffer(this.#inner.params, 0, this.query.params, 0, rows);
    enc.copyBufferToBuffer(
      this.#inner.metrics,
      0,
      this.query.metrics,
      0,
      models * METRIC_STRIDE * 4,
    );
    submit(ctx, enc.finish());
  }

  /** Frees every population. */
  destroy(): void {
    this.query.destroy();
    for (const p of this.#compact.values()) p.destroy();
    this.#compact.clear();
  }
}
