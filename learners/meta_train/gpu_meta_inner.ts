/**
 * The inner passes of the GPU meta loop (learners/meta_train/gpu_meta_loop.ts) that are more than
 * K fused train steps: second-order MAML (K steps keeping the parameters before each, the query
 * gradient, then v <- v - innerLr H v back through the steps with meta_hvp) and Meta-SGD (K
 * support-gradient passes each followed by meta_sgd_inner, then the query gradient). Every piece
 * goes through core/submit_batch.ts `submit`, so a loop that batches its submits encodes many
 * meta-iterations into one queue submit. CPU twin: learners/meta_train/cpu_meta_loop.ts.
 * @module
 */
import type { GpuContext } from "../../core/gpu_context.ts";
import { submit } from "../../core/submit_batch.ts";
import type { BackendDataset } from "../backend.ts";
import { GpuDataset } from "../gpu/gpu_dataset.ts";
import type { LoopPopulations } from "./gpu_loop_pops.ts";
import type { MetaKernel, MetaRun } from "./meta_kernel.ts";
import { type HvpPlan, META_HVP, metaHvpRuns } from "./meta_hvp.ts";
import { META_SGD_INNER, metaSgdInnerRun } from "./meta_sgd_inner.ts";

/** Encodes kernel runs in one pass and submits them (the loop's own submit helper). */
export type SubmitRuns = (runs: [GPUComputePipeline, MetaKernel, MetaRun][]) => void;

/** MAML's buffers: the vector taken back, H v scratch, R-op scratch, parameters per step. */
export interface MamlBuffers {
  v: GPUBuffer;
  hv: GPUBuffer;
  scratch: GPUBuffer;
  path: GPUBuffer[];
}

/** Submits a copy of the first `bytes` of `from` into `to`. */
function copyRows(ctx: GpuContext, from: GPUBuffer, to: GPUBuffer, bytes: number): void {
  const enc = ctx.device.createCommandEncoder({ label: "meta-copy" });
  enc.copyBufferToBuffer(from, 0, to, 0, bytes);
  submit(ctx, enc.finish());
}

/** The pipelines of a Hessian-vector step: meta_hvp and meta_hvp_update. */
export interface HvpPipelines {
  hvp: GPUComputePipeline;
  update: GPUComputePipeline;
}

/**
 * MAML's steps 2 and 3 up to the update: K inner steps keeping the parameters before each, the
 * query gradient, then v <- v - innerLr H v back through the steps (meta_hvp, its dispatches as
 * `o.plan` says, all encoded in one pass), leaving the meta-gradient rows in m.v.
 */
export function secondOrderPass(
  pops: LoopPopulations,
  data: BackendDataset,
  m: MamlBuffers,
  o: { models: number; lr: number; plan: HvpPlan },
  pipes: HvpPipelines,
  submitRuns: SubmitRuns,
): void {
  if (!(data instanceof GpuDataset) || data.inputPrecision !== "f32") {
    throw new TypeError(
      "Cannot run second-order MAML on a data set with f16 inputs or of another backend",
    );
  }
  const { inner, query } = pops;
  const bytes = o.models * inner.layout.stride * 4;
  for (const p of m.path) {
    copyRows(inner.ctx, inner.params, p, bytes);
    inner.train(data, 1);
  }
  pops.handoff(query.ctx);
  query.submitGradients(data);
  copyRows(query.ctx, query.gradientBuffer, m.v, bytes);
  // The support batch is the first entries of each row of the inner population's table.
  const g = pops.gathers[0]!.shape;
  const rowLen = (g.slots + (g.querySlot ? 1 : 0)) * g.batchSize;
  const labelWidth = pops.labelWidth;
  const b = { x: data.x, y: data.y, ...inner.episodeTables, v: m.v, hv: m.hv, scratch: m.scratch };
  const run = { ...o, rowLen, labelWidth, targetWidth: data.targetWidth };
  const pipe = (k: MetaKernel) => k === META_HVP ? pipes.hvp : pipes.update;
  submitRuns(
    m.path.toReversed().flatMap((theta) =>
      metaHvpRuns(inner.layout, { ...b, theta }, run).map(([k, r]) =>
        [pipe(k), k, r] as [GPUComputePipeline, MetaKernel, MetaRun]
      )
    ),
  );
}

/** Meta-SGD's buffers: the support-gradient sums and a row of ones (u32) for the step counters. */
export interface MetaSgdBuffers {
  sumG: GPUBuffer;
  ones: GPUBuffer;
}

/**
 * Meta-SGD's K inner steps (a gradient pass, then meta_sgd_inner: theta_p -= alpha (.) g and the
 * support-gradient sums) and its query gradient.
 */
export function metaSgdPass(
  pops: LoopPopulations,
  data: BackendDataset,
  s: MetaSgdBuffers,
  o: { models: number; steps: number; alpha: GPUBuffer },
  innerPipe: GPUComputePipeline,
  submitRuns: SubmitRuns,
): void {
  const pop = pops.inner;
  const L = pop.layout;
  const shape = { models: o.models, count: L.paramCount, stride: L.stride };
  const b = { grads: pop.gradientBuffer, alpha: o.alpha, rows: pop.params, sumG: s.sumG };
  for (let k = 0; k < o.steps; k++) {
    pop.submitGradients(data);
    submitRuns([[innerPipe, META_SGD_INNER, metaSgdInnerRun(b, shape)]]);
  }
  // Not compacted, the gradient pass reads slot steps % 2: 0 the support set, 1 the query set;
  // compacted, the query population has one slot, the query set.
  if (!pops.compacted) copyRows(pop.ctx, s.ones, pop.steps, o.models * 4);
  pops.handoff(pop.ctx);
  pops.query.submitGradients(data);
}
