/**
 * The meta-update step of each method of the GPU meta loop (learners/meta_train/gpu_meta_loop.ts):
 * which kernel, bound to which of the loop's buffers, with which parameters.
 * @module
 */
import { METRIC, METRIC_STRIDE } from "../metrics_row.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { ES_MAML_UPDATE, esMamlUpdateRun } from "./meta_es_maml_update.ts";
import { FOMAML_UPDATE, fomamlUpdateRun } from "./meta_fomaml_update.ts";
import type { MetaKernel, MetaRun } from "./meta_kernel.ts";
import { alphaKnobs, esSigma, type MetaLoopMethod, type MetaLoopSpec } from "./meta_loop.ts";
import { REPTILE_UPDATE, reptileUpdateRun } from "./meta_reptile_update.ts";
import { META_SGD_UPDATE, metaSgdUpdateRun } from "./meta_sgd_update.ts";

/** The loop's buffers a meta-update reads and writes. */
export interface UpdateBuffers {
  /** (models, stride) parameters after the inner steps. */
  params: GPUBuffer;
  /** (models, METRIC_STRIDE) metrics: quarantine flags, and the query losses for ES-MAML. */
  metrics: GPUBuffer;
  /** (models, stride) the query gradients (MAML: taken back through the inner steps). */
  grads: GPUBuffer;
  /** theta, alpha (Meta-SGD), the Adam moments and the mean gradient used (for the log). */
  theta: GPUBuffer;
  /** Meta-SGD's learned rates. */
  alpha: GPUBuffer;
  /** Adam moments. */
  moments: GPUBuffer;
  /** Receives the mean gradient used. */
  g: GPUBuffer;
  /** Meta-SGD's support-gradient sums (any buffer otherwise). */
  sumG: GPUBuffer;
  /** ES-MAML's noise (any buffer otherwise). */
  noise: GPUBuffer;
}

/** The meta-update kernel of each method. */
export function updateKernel(method: MetaLoopMethod): MetaKernel {
  if (method === "reptile") return REPTILE_UPDATE;
  if (method === "meta-sgd") return META_SGD_UPDATE;
  if (method === "es-maml") return ES_MAML_UPDATE;
  return FOMAML_UPDATE;
}

/** The meta-update run of `spec`'s method at Adam step t, on meta-batch tables of layout L. */
export function updateRun(spec: MetaLoopSpec, L: MlpLayout, b: UpdateBuffers, t: number): MetaRun {
  const shape = { count: L.paramCount, models: spec.metaBatch, rowStride: L.stride };
  const { method, metaLr } = spec;
  if (method === "reptile") {
    return reptileUpdateRun({ adapted: b.params, metrics: b.metrics, theta: b.theta }, {
      ...shape,
      metaLr,
    });
  }
  const o = { ...shape, lr: metaLr, t };
  if (method === "meta-sgd") {
    return metaSgdUpdateRun({
      queryGrads: b.grads,
      supportGradSums: b.sumG,
      metrics: b.metrics,
      theta: b.theta,
      alpha: b.alpha,
      moments: b.moments,
      gOut: b.g,
    }, { ...o, ...alphaKnobs(spec) });
  }
  if (method === "es-maml") {
    const es = { count: L.paramCount, pairs: spec.metaBatch, sigma: esSigma(spec), lr: metaLr, t };
    return esMamlUpdateRun(
      { losses: b.metrics, noise: b.noise, theta: b.theta, moments: b.moments, gOut: b.g },
      es,
      { stride: METRIC_STRIDE, offset: METRIC.loss, flag: METRIC.quarantined },
    );
  }
  const fo = { grads: b.grads, metrics: b.metrics, theta: b.theta, moments: b.moments, gOut: b.g };
  return fomamlUpdateRun(fo, { ...o, vOffset: L.stride });
}
