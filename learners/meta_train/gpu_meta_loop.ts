/**
 * `GpuMetaLoop`: the meta-training loop of learners/meta_train/meta_loop.ts on a WebGPU device.
 * theta, Adam moments, the log table and the episode index arrays stay resident; each
 * meta-iteration is enqueued as a few submits (load, the population's train steps, its gradient
 * pass for FOMAML, update + log) with no wait; `read` copies theta, moments and the pending log
 * rows into one buffer and maps it once. CPU twin: learners/meta_train/cpu_meta_loop.ts.
 * @module
 */
import { createStorageBuffer, createStorageBufferFrom, readF32 } from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import type { BackendDataset } from "../backend.ts";
import type { GpuPopulation } from "../gpu/gpu_population.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import { encodeMetaKernel, type MetaKernel, metaPipeline, type MetaRun } from "./meta_kernel.ts";
import { FOMAML_UPDATE, fomamlUpdateRun } from "./meta_fomaml_update.ts";
import { type EpisodeBuffers, META_GATHER, metaGatherRun } from "./meta_gather.ts";
import { META_LOG, META_LOG_WIDTH, metaLogRun } from "./meta_log.ts";
import {
  checkLoopIds,
  checkMetaLoopSpec,
  type MetaLoop,
  type MetaLoopReadout,
  type MetaLoopSpec,
  type MetaLoopState,
  usesQuerySlot,
} from "./meta_loop.ts";
import { hvpScratchFloats, META_HVP, metaHvpRun } from "./meta_hvp.ts";
import { GpuDataset } from "../gpu/gpu_dataset.ts";
import { REPTILE_UPDATE, reptileUpdateRun } from "./meta_reptile_update.ts";
import { META_TILE, metaTileRun } from "./meta_tile.ts";

type Pipes = Record<"tile" | "gather" | "update" | "log" | "hvp", GPUComputePipeline>;

/** Compiles the loop's kernels and creates the loop on a population of spec.metaBatch models. */
export async function createGpuMetaLoop(
  ctx: GpuContext,
  pop: GpuPopulation,
  spec: MetaLoopSpec,
): Promise<GpuMetaLoop> {
  checkMetaLoopSpec(spec);
  const update = usesQuerySlot(spec.method) ? FOMAML_UPDATE : REPTILE_UPDATE;
  const [tile, gather, upd, log, hvp] = await Promise.all(
    [META_TILE, META_GATHER, update, META_LOG, META_HVP].map((k) => metaPipeline(ctx, k)),
  );
  const pipes = { tile: tile!, gather: gather!, update: upd!, log: log!, hvp: hvp! };
  return new GpuMetaLoop(ctx, pop, spec, pipes);
}

/** The meta loop on a GPU (see the module doc). */
export class GpuMetaLoop implements MetaLoop {
  readonly spec: MetaLoopSpec;
  #ctx: GpuContext;
  #pop: GpuPopulation;
  #pipes: Pipes;
  /** theta (stride), Adam moments (2, stride), theta before the update, mean gradient used. */
  #state: Record<"theta" | "moments" | "prev" | "g", GPUBuffer>;
  #log: GPUBuffer;
  #logRows = 0;
  #t = 0;
  #episodes = new WeakMap<EpisodeBatch, EpisodeBuffers>();
  #owned: GPUBuffer[] = [];
  /** MAML: the vector taken back (models, stride), H v scratch, R-op scratch, parameters per step. */
  #maml: { v: GPUBuffer; hv: GPUBuffer; scratch: GPUBuffer; path: GPUBuffer[] } | null = null;

  /** Use createGpuMetaLoop. */
  constructor(ctx: GpuContext, pop: GpuPopulation, spec: MetaLoopSpec, pipes: Pipes) {
    this.spec = { ...spec };
    this.#ctx = ctx;
    this.#pop = pop;
    this.#pipes = pipes;
    pop.setKnobs({ lr: spec.innerLr, optimizer: "sgd" });
    const S = pop.layout.stride;
    const buf = (n: number, label: string) => createStorageBuffer(ctx, n * 4, `meta-loop-${label}`);
    this.#state = {
      theta: buf(S, "theta"),
      moments: buf(2 * S, "moments"),
      prev: buf(S, "prev"),
      g: buf(S, "g"),
    };
    this.#log = createStorageBuffer(ctx, 64 * META_LOG_WIDTH * 4, "meta-loop-log");
    if (spec.method === "maml") {
      const rows = spec.metaBatch * S;
      this.#maml = {
        v: buf(rows, "maml-v"),
        hv: buf(rows, "maml-hv"),
        scratch: buf(spec.metaBatch * hvpScratchFloats(pop.layout), "maml-scratch"),
        path: Array.from({ length: spec.innerSteps }, (_, k) => buf(rows, `maml-path-${k}`)),
      };
    }
  }

  write(state: MetaLoopState): void {
    const S = this.#pop.layout.stride;
    const q = this.#ctx.device.queue;
    q.writeBuffer(this.#state.theta, 0, state.theta.subarray(0, S));
    q.writeBuffer(this.#state.moments, 0, state.moments.subarray(0, 2 * S));
    this.#t = state.t;
  }

  /** The pool's index arrays on the device (uploaded on first use). */
  #resident(e: EpisodeBatch): EpisodeBuffers {
    let r = this.#episodes.get(e);
    if (!r) {
      const labels = e.labelMap && e.labelMapWidth > 0 ? e.labelMap : new Uint32Array(1);
      r = {
        support: createStorageBufferFrom(this.#ctx, e.support, "meta-support"),
        query: createStorageBufferFrom(this.#ctx, e.query, "meta-query"),
        labelMap: createStorageBufferFrom(this.#ctx, labels, "meta-label-map"),
      };
      this.#owned.push(r.support, r.query, r.labelMap);
      this.#episodes.set(e, r);
    }
    return r;
  }

  /** Grows the log table to hold `rows` rows, keeping the pending ones. */
  #growLog(rows: number): void {
    if (this.#log.size >= rows * META_LOG_WIDTH * 4) return;
    const bigger = createStorageBuffer(this.#ctx, 2 * rows * META_LOG_WIDTH * 4, "meta-loop-log");
    const enc = this.#ctx.device.createCommandEncoder({ label: "meta-loop-log" });
    enc.copyBufferToBuffer(this.#log, 0, bigger, 0, this.#log.size);
    this.#ctx.device.queue.submit([enc.finish()]);
    this.#log.destroy();
    this.#log = bigger;
  }

  /** Encodes `runs` (pipeline, run) in one pass, then `after`, and submits. */
  #submit(
    runs: [GPUComputePipeline, MetaKernel, MetaRun][],
    after?: (e: GPUCommandEncoder) => void,
  ) {
    const enc = this.#ctx.device.createCommandEncoder({ label: "meta-loop" });
    const pass = enc.beginComputePass();
    const ubs = runs.map(([p, k, r]) => encodeMetaKernel(this.#ctx, pass, p, k.key, r));
    pass.end();
    after?.(enc);
    this.#ctx.device.queue.submit([enc.finish()]);
    for (const ub of ubs) ub.destroy();
  }

  run(episodes: EpisodeBatch, data: BackendDataset, ids: Uint32Array<ArrayBuffer>): void {
    const { metaBatch: P, innerSteps: K, batchSize } = this.spec;
    const iterations = checkLoopIds(ids, P, episodes.episodes);
    const query = usesQuerySlot(this.spec.method);
    const shape = { models: P, batchSize, slots: K, querySlot: query };
    const W = episodes.labelMap ? episodes.labelMapWidth : 0;
    const slots = K + (query ? 1 : 0);
    // Sizes the population's tables and sets their row shapes; the gather fills them.
    this.#pop.setBatches(new Uint32Array(P * slots * batchSize), slots);
    this.#pop.setLabelMap(W > 0 ? new Uint32Array(P * W) : null, W);
    this.#growLog(this.#logRows + iterations);
    const idsBuf = createStorageBufferFrom(this.#ctx, ids, "meta-loop-ids");
    const ep = this.#resident(episodes);
    const tables = this.#pop.episodeTables;
    for (let it = 0; it < iterations; it++) {
      this.#load(episodes, shape, {
        ids: idsBuf,
        episodes: ep,
        batches: tables.batches,
        labelOut: tables.labelMap,
      }, it * P);
      if (this.#maml) this.#secondOrder(data, slots * batchSize, W);
      else {
        this.#pop.train(data, K);
        if (query) this.#pop.submitGradients(data);
      }
      this.#update();
    }
    idsBuf.destroy();
  }

  /** Submits step 1: tile theta into the models, gather their episodes, clear their state. */
  #load(
    episodes: EpisodeBatch,
    shape: { models: number; batchSize: number; slots: number; querySlot: boolean },
    b: Parameters<typeof metaGatherRun>[1],
    idsOffset: number,
  ): void {
    const pop = this.#pop;
    const st = this.#state;
    const tile = metaTileRun(
      { theta: st.theta, rows: pop.params },
      shape.models,
      pop.layout.stride,
    );
    this.#submit([
      [this.#pipes.tile, META_TILE, tile],
      [this.#pipes.gather, META_GATHER, metaGatherRun(episodes, b, shape, idsOffset)],
    ], (enc) => {
      enc.clearBuffer(pop.opt);
      enc.clearBuffer(pop.steps);
      enc.clearBuffer(pop.metrics);
      if (this.spec.method === "reptile") {
        enc.copyBufferToBuffer(st.theta, 0, st.prev, 0, st.theta.size);
      }
    });
  }

  /**
   * MAML's steps 2 and 3 up to the update: K inner steps keeping the parameters before each, the
   * query gradient, then v <- v - innerLr H v back through the steps (meta_hvp).
   */
  #secondOrder(data: BackendDataset, rowLen: number, labelWidth: number): void {
    const m = this.#maml!;
    const pop = this.#pop;
    if (!(data instanceof GpuDataset) || data.inputPrecision !== "f32") {
      throw new TypeError(
        "Cannot run second-order MAML on a data set with f16 inputs or of another backend",
      );
    }
    const bytes = this.spec.metaBatch * pop.layout.stride * 4;
    const copy = (from: GPUBuffer, to: GPUBuffer) => {
      const enc = this.#ctx.device.createCommandEncoder({ label: "maml-copy" });
      enc.copyBufferToBuffer(from, 0, to, 0, bytes);
      this.#ctx.device.queue.submit([enc.finish()]);
    };
    for (const p of m.path) {
      copy(pop.params, p);
      pop.train(data, 1);
    }
    pop.submitGradients(data);
    copy(pop.gradientBuffer, m.v);
    const tables = pop.episodeTables;
    const o = {
      models: this.spec.metaBatch,
      rowLen,
      labelWidth,
      lr: this.spec.innerLr,
      targetWidth: data.targetWidth,
    };
    const b = { x: data.x, y: data.y, ...tables, v: m.v, hv: m.hv, scratch: m.scratch };
    this.#submit(
      m.path.toReversed().map((
        theta,
      ) => [this.#pipes.hvp, META_HVP, metaHvpRun(pop.layout, { ...b, theta }, o)]),
    );
  }

  /** Submits steps 3 and 4: the meta-update and the log row. */
  #update(): void {
    const pop = this.#pop;
    const st = this.#state;
    const { stride, paramCount: n } = pop.layout;
    const P = this.spec.metaBatch;
    const shape = { count: n, models: P, rowStride: stride };
    const logAt = { n, models: P, row: this.#logRows++ };
    const fomaml = usesQuerySlot(this.spec.method);
    const update = fomaml
      ? fomamlUpdateRun(
        {
          grads: this.#maml ? this.#maml.v : pop.gradientBuffer,
          metrics: pop.metrics,
          theta: st.theta,
          moments: st.moments,
          gOut: st.g,
        },
        { ...shape, lr: this.spec.metaLr, t: ++this.#t, vOffset: stride },
      )
      : reptileUpdateRun({ adapted: pop.params, metrics: pop.metrics, theta: st.theta }, {
        ...shape,
        metaLr: this.spec.metaLr,
      });
    const log = metaLogRun(
      {
        metrics: pop.metrics,
        a: fomaml ? st.g : st.theta,
        b: fomaml ? null : st.prev,
        log: this.#log,
      },
      logAt,
    );
    this.#submit([
      [this.#pipes.update, fomaml ? FOMAML_UPDATE : REPTILE_UPDATE, update],
      [this.#pipes.log, META_LOG, log],
    ]);
  }

  async read(): Promise<MetaLoopReadout> {
    const S = this.#pop.layout.stride;
    const rows = this.#logRows;
    const bytes = (3 * S + rows * META_LOG_WIDTH) * 4;
    const pack = createStorageBuffer(this.#ctx, bytes, "meta-loop-read");
    const enc = this.#ctx.device.createCommandEncoder({ label: "meta-loop-read" });
    enc.copyBufferToBuffer(this.#state.theta, 0, pack, 0, S * 4);
    enc.copyBufferToBuffer(this.#state.moments, 0, pack, S * 4, 2 * S * 4);
    if (rows > 0) enc.copyBufferToBuffer(this.#log, 0, pack, 3 * S * 4, rows * META_LOG_WIDTH * 4);
    this.#ctx.device.queue.submit([enc.finish()]);
    const all = await readF32(this.#ctx, pack);
    pack.destroy();
    this.#logRows = 0;
    return {
      state: { theta: all.slice(0, S), moments: all.slice(S, 3 * S), t: this.#t },
      log: all.slice(3 * S),
    };
  }

  destroy(): void {
    const maml = this.#maml
      ? [this.#maml.v, this.#maml.hv, this.#maml.scratch, ...this.#maml.path]
      : [];
    for (const b of [...Object.values(this.#state), this.#log, ...this.#owned, ...maml]) {
      b.destroy();
    }
    this.#pop.destroy();
  }
}
