/**
 * `GpuMetaLoop`: the meta-training loop of learners/meta_train/meta_loop.ts on a WebGPU device.
 * theta, Adam moments, the log table and the episode index arrays stay resident; `run` encodes
 * `iterationsPerSubmit` meta-iterations (load, the population's train steps, its gradient pass,
 * update + log; core/submit_batch.ts) per queue submit, with no wait; `read` copies theta, moments
 * and the pending log rows into one buffer and maps it once. When the support set divides
 * batchSize the inner steps run on a population whose batch is the support set once
 * (learners/meta_train/gpu_loop_pops.ts). CPU twin: learners/meta_train/cpu_meta_loop.ts.
 * @module
 */
import { createStorageBuffer, createStorageBufferFrom, readF32 } from "../../core/buffers.ts";
import { afterSubmit, batchSubmits, submit } from "../../core/submit_batch.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import type { BackendDataset } from "../backend.ts";
import type { GpuPopulation } from "../gpu/gpu_population.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import { encodeMetaKernel, type MetaKernel, type MetaRun } from "./meta_kernel.ts";
import { compileMetaPipes, type MetaPipes } from "./gpu_meta_pipes.ts";
import { type EpisodeBuffers, META_GATHER, metaGatherRun } from "./meta_gather.ts";
import { grownLog, ResidentEpisodes } from "./gpu_loop_tables.ts";
import { META_LOG, META_LOG_WIDTH, metaLogRun } from "./meta_log.ts";
import {
  checkLoopIds,
  checkMetaLoopSpec,
  esSigma,
  headRanges,
  loopModels,
  type MetaLoop,
  type MetaLoopReadout,
  type MetaLoopSpec,
  type MetaLoopState,
  modelIds,
  momentFloats,
  protonetDistance,
  usesQuerySlot,
} from "./meta_loop.ts";
import { updateKernel, updateRun } from "./gpu_meta_updates.ts";
import { ES_STREAM, META_ES_PERTURB, metaEsPerturbRun } from "./meta_es_perturb.ts";
import { hvpLoopIterations, type HvpPlan, hvpPlan, hvpScratchFloats } from "./meta_hvp.ts";
import { LOOP_BUDGET } from "../mlp/loop_budget.ts";
import {
  type MamlBuffers,
  type MetaSgdBuffers,
  metaSgdPass,
  secondOrderPass,
} from "./gpu_meta_inner.ts";
import { encodeTileCopies } from "./meta_tile.ts";
import { GpuProtonet } from "./gpu_protonet.ts";
import { LoopPopulations } from "./gpu_loop_pops.ts";
import { PROTONET_STATS } from "./protonet_cpu.ts";

type Pipes = MetaPipes;

/**
 * Meta-iterations encoded per queue submit by default: enough that the submits' cost is spread
 * thin, few enough that the device starts on the first ones while the host encodes the rest.
 */
export const ITERATIONS_PER_SUBMIT = 16;

/** Options of createGpuMetaLoop. */
export interface GpuMetaLoopOptions {
  /** Meta-iterations per queue submit (default ITERATIONS_PER_SUBMIT). */
  iterationsPerSubmit?: number;
  /**
   * Makes the population of the compacted inner steps (learners/meta_train/gpu_loop_pops.ts): the
   * loop's models and shape with the support set as the batch. None: the inner steps always run
   * on `pop`, batchSize samples per step.
   */
  supportPopulation?: (batchSize: number) => GpuPopulation;
}

/** Compiles the loop's kernels and creates the loop on a population of spec.metaBatch models. */
export async function createGpuMetaLoop(
  ctx: GpuContext,
  pop: GpuPopulation,
  spec: MetaLoopSpec,
  options: GpuMetaLoopOptions = {},
): Promise<GpuMetaLoop> {
  checkMetaLoopSpec(spec);
  const pipes = await compileMetaPipes(ctx, spec);
  const pops = new LoopPopulations(pop, spec, options.supportPopulation);
  return new GpuMetaLoop(ctx, pops, spec, pipes, options.iterationsPerSubmit);
}

/** The meta loop on a GPU (see the module doc). */
export class GpuMetaLoop implements MetaLoop {
  readonly spec: MetaLoopSpec;
  readonly runsOn = "device" as const;
  #ctx: GpuContext;
  #pops: LoopPopulations;
  #pipes: Pipes;
  /** theta, Adam moments, theta before the update, mean gradient used, Meta-SGD's alpha. */
  #state: Record<"theta" | "moments" | "prev" | "g" | "alpha", GPUBuffer>;
  /** Meta-SGD: the support-gradient sums (models, stride) and a row of ones for the step counters. */
  #sgd: MetaSgdBuffers | null = null;
  /** ES-MAML: the noise of the iteration (pairs, paramCount). */
  #noise: GPUBuffer | null = null;
  /** ProtoNet: its gradient pass's buffers. */
  #proto: GpuProtonet | null = null;
  #log: GPUBuffer;
  #logRows = 0;
  #t = 0;
  #episodes: ResidentEpisodes;
  /** MAML: the vector taken back (models, stride), H v scratch, R-op scratch, parameters per step. */
  #maml: MamlBuffers | null = null;
  #perSubmit: number;
  /** headReset: theta's output-layer ranges [start, end), cleared after every update (else none). */
  #head: [number, number][];

  /** Use createGpuMetaLoop. */
  constructor(
    ctx: GpuContext,
    pops: LoopPopulations,
    spec: MetaLoopSpec,
    pipes: Pipes,
    iterationsPerSubmit = ITERATIONS_PER_SUBMIT,
  ) {
    if (!Number.isInteger(iterationsPerSubmit) || iterationsPerSubmit < 1) {
      throw new RangeError(
        `Cannot create meta loop as iterationsPerSubmit must be an integer >= 1: current value is ${iterationsPerSubmit}`,
      );
    }
    this.#perSubmit = iterationsPerSubmit;
    this.spec = { ...spec };
    this.#ctx = ctx;
    this.#episodes = new ResidentEpisodes(ctx);
    this.#pops = pops;
    this.#pipes = pipes;
    const pop = pops.query;
    pop.setKnobs({ lr: spec.innerLr, optimizer: "sgd" });
    const S = pop.layout.stride;
    this.#head = spec.headReset ? headRanges(pop.layout) : [];
    const buf = (n: number, label: string) => createStorageBuffer(ctx, n * 4, `meta-loop-${label}`);
    this.#state = {
      theta: buf(S, "theta"),
      moments: buf(momentFloats(spec.method, S), "moments"),
      prev: buf(S, "prev"),
      g: buf(S, "g"),
      alpha: buf(S, "alpha"),
    };
    if (spec.method === "meta-sgd") {
      this.#sgd = {
        sumG: buf(spec.metaBatch * S, "sgd-sum"),
        ones: createStorageBufferFrom(ctx, new Uint32Array(spec.metaBatch).fill(1), "sgd-ones"),
      };
    }
    this.#log = createStorageBuffer(ctx, 64 * META_LOG_WIDTH * 4, "meta-loop-log");
    if (spec.method === "es-maml") {
      this.#noise = buf(spec.metaBatch * pop.layout.paramCount, "noise");
    }
    if (spec.method === "protonet") {
      this.#proto = new GpuProtonet(ctx, pop.layout, spec.metaBatch, protonetDistance(spec));
    }
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
    const S = this.#pops.query.layout.stride;
    const q = this.#ctx.device.queue;
    q.writeBuffer(this.#state.theta, 0, state.theta.subarray(0, S));
    q.writeBuffer(
      this.#state.moments,
      0,
      state.moments.subarray(0, momentFloats(this.spec.method, S)),
    );
    if (state.alpha) q.writeBuffer(this.#state.alpha, 0, state.alpha.subarray(0, S));
    this.#t = state.t;
  }

  /** Encodes `runs` (pipeline, run) in one pass, then `after`, and submits (or batches) them. */
  #submit(
    runs: [GPUComputePipeline, MetaKernel, MetaRun][],
    after?: (e: GPUCommandEncoder) => void,
  ) {
    const enc = this.#ctx.device.createCommandEncoder({ label: "meta-loop" });
    const pass = enc.beginComputePass();
    const ubs = runs.map(([p, k, r]) => encodeMetaKernel(this.#ctx, pass, p, k, r));
    pass.end();
    after?.(enc);
    submit(this.#ctx, enc.finish());
    afterSubmit(this.#ctx, () => ubs.forEach((ub) => ub.destroy()));
  }

  run(episodes: EpisodeBatch, data: BackendDataset, ids: Uint32Array<ArrayBuffer>): void {
    const iterations = checkLoopIds(ids, this.spec.metaBatch, episodes.episodes);
    const models = loopModels(this.spec);
    // Picks the inner population, sizes the tables and sets their row shapes; the gathers fill them.
    this.#pops.prepare(episodes);
    const inner = this.#pops.inner.layout;
    // On a software adapter the Hessian-vector step's samples are split over dispatches so that
    // no invocation passes the driver's loop cap (learners/meta_train/meta_hvp.ts).
    const plan = hvpPlan(inner, this.#ctx.software ? LOOP_BUDGET : Infinity);
    if (this.#maml && plan === null) {
      throw new RangeError(
        `Cannot run maml on a software adapter as its Hessian-vector kernel needs ${
          hvpLoopIterations(inner, { samples: 1, update: false })
        } loop iterations per invocation for one sample and the driver stops at 65,535 (budget ${LOOP_BUDGET}): use GpuBackend.createMetaLoop (its CPU twin), the CPU backend, or narrower layers`,
      );
    }
    this.#log = grownLog(this.#ctx, this.#log, this.#logRows + iterations);
    const idsBuf = createStorageBufferFrom(this.#ctx, modelIds(this.spec, ids), "meta-loop-ids");
    const ep = this.#episodes.get(episodes);
    const iteration = (it: number) => {
      if (this.#proto) {
        const e = { batch: episodes, resident: ep, ids: idsBuf, idsOffset: it * models };
        const b = { theta: this.#state.theta, metrics: this.#pops.query.metrics };
        this.#submit([[this.#pipes.protonet, ...this.#proto.run(e, data, b)]]);
        this.#update();
        return;
      }
      this.#load(episodes, { ids: idsBuf, episodes: ep }, it * models);
      this.#inner(data, plan);
      this.#update();
    };
    for (let first = 0; first < iterations; first += this.#perSubmit) {
      const end = Math.min(iterations, first + this.#perSubmit);
      batchSubmits(this.#ctx, () => {
        for (let it = first; it < end; it++) iteration(it);
      });
    }
    idsBuf.destroy();
  }

  /** Submits step 2 (and the query gradient) of the method; MAML's hvpPlan is not null (run checks). */
  #inner(data: BackendDataset, hvpPlan: HvpPlan | null): void {
    const { metaBatch: models, innerSteps: K, innerLr: lr } = this.spec;
    const runs = (r: [GPUComputePipeline, MetaKernel, MetaRun][]) => this.#submit(r);
    const pops = this.#pops;
    if (this.#maml) {
      const pipes = { hvp: this.#pipes.hvp, update: this.#pipes.hvpUpdate };
      secondOrderPass(pops, data, this.#maml, { models, lr, plan: hvpPlan! }, pipes, runs);
    } else if (this.#sgd) {
      const o = { models, steps: K, alpha: this.#state.alpha };
      metaSgdPass(pops, data, this.#sgd, o, this.#pipes.sgdInner, runs);
    } else {
      pops.inner.train(data, K);
      if (usesQuerySlot(this.spec.method)) {
        pops.handoff(this.#ctx);
        pops.query.submitGradients(data);
      }
    }
  }

  /** Submits step 1: tile theta into the models, gather their episodes, clear their state. */
  #load(
    episodes: EpisodeBatch,
    b: { ids: GPUBuffer; episodes: EpisodeBuffers },
    idsOffset: number,
  ): void {
    const pop = this.#pops.inner;
    const st = this.#state;
    const L = pop.layout;
    // ES-MAML perturbs theta into the rows; the others copy it (encodeTileCopies, below).
    const start: [GPUComputePipeline, MetaKernel, MetaRun][] = this.#noise
      ? [[
        this.#pipes.perturb,
        META_ES_PERTURB,
        metaEsPerturbRun(
          { theta: st.theta, rows: pop.params, noise: this.#noise },
          {
            pairs: this.spec.metaBatch,
            count: L.paramCount,
            stride: L.stride,
            seed: this.spec.seed ?? 0,
            stream: ES_STREAM,
            c1: this.#t + 1,
            sigma: esSigma(this.spec),
          },
        ),
      ]]
      : [];
    const gathers = this.#pops.gathers.map((
      g,
    ): [GPUComputePipeline, MetaKernel, MetaRun] => {
      const t = g.pop.episodeTables;
      const tables = { ...b, batches: t.batches, labelOut: t.labelMap };
      // After the run's first gather each table holds its models' previous episodes' label maps.
      const prev = idsOffset > 0 ? idsOffset - loopModels(this.spec) : undefined;
      const run = metaGatherRun(episodes, tables, g.shape, idsOffset, prev);
      return [this.#pipes.gather, META_GATHER, run];
    });
    this.#submit([...start, ...gathers], (enc) => {
      if (!this.#noise) {
        encodeTileCopies(
          enc,
          { theta: st.theta, rows: pop.params },
          loopModels(this.spec),
          L.stride,
        );
      }
      this.#pops.clear(enc);
      if (this.#sgd) enc.clearBuffer(this.#sgd.sumG);
      if (this.spec.method === "reptile") {
        enc.copyBufferToBuffer(st.theta, 0, st.prev, 0, st.theta.size);
      }
    });
  }

  /** Submits steps 3 and 4: the meta-update and the log row. */
  #update(): void {
    const st = this.#state;
    const reptile = this.spec.method === "reptile";
    // Reptile reads the adapted rows; the others the query gradients and metrics.
    const pop = reptile ? this.#pops.inner : this.#pops.query;
    const log = metaLogRun({
      metrics: pop.metrics,
      a: reptile ? st.theta : st.g,
      b: reptile ? st.prev : null,
      log: this.#log,
    }, { n: pop.layout.paramCount, models: loopModels(this.spec), row: this.#logRows++ });
    const t = reptile ? this.#t : ++this.#t;
    const b = {
      params: pop.params,
      metrics: pop.metrics,
      grads: this.#maml?.v ?? this.#proto?.grads ?? pop.gradientBuffer,
      ...st,
      sumG: this.#sgd?.sumG ?? st.g,
      noise: this.#noise ?? st.g,
    };
    // headReset: theta's output layer cleared after the update's pass (the CPU twin: resetHead).
    const head = this.#head;
    this.#submit([
      [this.#pipes.update, updateKernel(this.spec.method), updateRun(this.spec, pop.layout, b, t)],
      [this.#pipes.log, META_LOG, log],
    ], (enc) => {
      for (const [start, end] of head) enc.clearBuffer(st.theta, start * 4, (end - start) * 4);
    });
  }

  async read(): Promise<MetaLoopReadout> {
    const S = this.#pops.query.layout.stride;
    const M = momentFloats(this.spec.method, S);
    const rows = this.#logRows;
    const stats = this.#proto ? this.spec.metaBatch * PROTONET_STATS : 0;
    const floats = 2 * S + M + rows * META_LOG_WIDTH + stats;
    const pack = createStorageBuffer(this.#ctx, floats * 4, "meta-loop-read");
    const enc = this.#ctx.device.createCommandEncoder({ label: "meta-loop-read" });
    enc.copyBufferToBuffer(this.#state.theta, 0, pack, 0, S * 4);
    enc.copyBufferToBuffer(this.#state.moments, 0, pack, S * 4, M * 4);
    enc.copyBufferToBuffer(this.#state.alpha, 0, pack, (S + M) * 4, S * 4);
    if (rows > 0) {
      enc.copyBufferToBuffer(this.#log, 0, pack, (2 * S + M) * 4, rows * META_LOG_WIDTH * 4);
    }
    if (this.#proto) {
      enc.copyBufferToBuffer(this.#proto.stats, 0, pack, (floats - stats) * 4, stats * 4);
    }
    this.#ctx.device.queue.submit([enc.finish()]);
    const all = await readF32(this.#ctx, pack);
    pack.destroy();
    this.#logRows = 0;
    const [theta, moments] = [all.slice(0, S), all.slice(S, S + M)];
    const state = { theta, moments, alpha: all.slice(S + M, 2 * S + M), t: this.#t };
    const log = all.slice(2 * S + M, floats - stats);
    return { state, log, ...(this.#proto ? { stats: all.slice(floats - stats) } : {}) };
  }

  destroy(): void {
    this.#episodes.destroy();
    const maml = this.#maml
      ? [this.#maml.v, this.#maml.hv, this.#maml.scratch, ...this.#maml.path]
      : [];
    const sgd = [
      ...(this.#sgd ? [this.#sgd.sumG, this.#sgd.ones] : []),
      ...(this.#noise ? [this.#noise] : []),
    ];
    for (const b of [...Object.values(this.#state), this.#log, ...maml, ...sgd]) {
      b.destroy();
    }
    this.#proto?.destroy();
    this.#pops.destroy();
  }
}
