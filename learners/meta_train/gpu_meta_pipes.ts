/**
 * The kernels of the GPU meta loop (learners/meta_train/gpu_meta_loop.ts), compiled once per loop:
 * episode gather, the method's meta-update, the log row, MAML's Hessian-vector step and its update,
 * Meta-SGD's inner step, ES-MAML's perturbation and ProtoNet's gradient.
 * @module
 */
import type { GpuContext } from "../../core/gpu_context.ts";
import { metaPipeline } from "./meta_kernel.ts";
import { META_GATHER } from "./meta_gather.ts";
import { META_LOG } from "./meta_log.ts";
import type { MetaLoopSpec } from "./meta_loop.ts";
import { META_SGD_INNER } from "./meta_sgd_inner.ts";
import { updateKernel } from "./gpu_meta_updates.ts";
import { META_ES_PERTURB } from "./meta_es_perturb.ts";
import { META_HVP, META_HVP_UPDATE } from "./meta_hvp.ts";
import { PROTONET_GRAD } from "./protonet_grad.ts";

const PIPES = [
  "gather",
  "update",
  "log",
  "hvp",
  "hvpUpdate",
  "sgdInner",
  "perturb",
  "protonet",
] as const;

/** The loop's compiled pipelines by name. */
export type MetaPipes = Record<(typeof PIPES)[number], GPUComputePipeline>;

/** Compiles the kernels a meta loop of `spec` encodes (the update kernel is the method's). */
export async function compileMetaPipes(ctx: GpuContext, spec: MetaLoopSpec): Promise<MetaPipes> {
  const kernels = [
    META_GATHER,
    updateKernel(spec.method),
    META_LOG,
    META_HVP,
    META_HVP_UPDATE,
    META_SGD_INNER,
    META_ES_PERTURB,
    PROTONET_GRAD,
  ];
  const compiled = await Promise.all(kernels.map((k) => metaPipeline(ctx, k)));
  return Object.fromEntries(PIPES.map((name, i) => [name, compiled[i]!])) as MetaPipes;
}
