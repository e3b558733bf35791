/**
 * The meta-training loop a backend runs (`Backend.createMetaLoop`): many meta-iterations enqueued
 * with no readback, the meta-learner's state (initialization theta, Adam moments, step) resident
 * on the backend, one log row per iteration computed there, and one read per logged point.
 * One meta-iteration of a meta-batch of P episodes ids[it, 0..P):
 * 1. every model starts from theta (buffer copies, encodeTileCopies) and reads its episode
 *    (meta_gather: K support slots, then a query slot for FOMAML), with optimizer state, steps and
 *    metrics cleared;
 * 2. K SGD steps at innerLr on the support set (the fused train step);
 * 3. Reptile: theta += metaLr (mean of healthy adapted rows - theta) (meta_reptile_update);
 *    FOMAML: the query gradient at the adapted weights (train step, gradient mode), then Adam on
 *    theta with the mean over healthy models (meta_fomaml_update);
 *    MAML: the same query gradient taken back through the K inner steps, v <- v - innerLr H v at
 *    each step's parameters (meta_hvp; the parameters before each step are kept), then the same
 *    Adam update;
 *    Meta-SGD: K support-gradient passes, each followed by theta_p -= alpha (.) g (meta_sgd_inner,
 *    which also sums the support gradients), the query gradient, then Adam on theta and alpha
 *    (meta_sgd_update, first order);
 *    ES-MAML: 2 models per task, theta +- sigma eps_j drawn on the device (meta_es_perturb), K inner
 *    steps, the query batch loss of each (gradient pass), then the ES gradient and Adam
 *    (meta_es_maml_update reads the losses from the metrics rows);
 *    ProtoNet: no inner steps and no population pass; protonet_grad embeds each episode with theta
 *    and writes the gradient row of its prototype loss (scored with spec.distance) and its
 *    statistics, then the FOMAML update;
 * 4. the log row (meta_log): Reptile [-, |theta - theta_prev|, healthy, -], FOMAML [mean query loss,
 *    |mean gradient|, healthy, finite losses].
 * `CpuBackend` runs the same loop with the CPU twins (learners/meta_train/cpu_meta_loop.ts).
 * @module
 */
import type { BackendDataset } from "../backend.ts";
import type { Activation, LossKind, MlpLayout } from "../mlp/mlp_layout.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import { checkProtonetDistance, EUCLIDEAN, type ProtonetDistance } from "./protonet_distance.ts";

/** Methods the loop runs on the backend (the ones with a query slot: fomaml, maml). */
export type MetaLoopMethod = "reptile" | "fomaml" | "maml" | "meta-sgd" | "es-maml" | "protonet";

/** The methods of the loop, in order. */
export const META_LOOP_METHODS: readonly MetaLoopMethod[] = [
  "reptile",
  "fomaml",
  "maml",
  "meta-sgd",
  "es-maml",
  "protonet",
];

/** What a meta loop is created for. */
export interface MetaLoopSpec {
  /** The meta-learning method. */
  method: MetaLoopMethod;
  /** Layer widths of the learners. */
  widths: number[];
  /** Hidden nonlinearity (default relu). */
  activation?: Activation;
  /** Loss head (default cross_entropy). */
  loss?: LossKind;
  /** Inner batch size. */
  batchSize: number;
  /** Episodes per meta-iteration. */
  metaBatch: number;
  /** Inner SGD steps (>= 1). */
  innerSteps: number;
  /** Inner SGD learning rate. */
  innerLr: number;
  /** Reptile: the interpolation step; the others: Adam's learning rate. */
  metaLr: number;
  /** Meta-SGD: upper clamp of the learned inner rates (default 10 * innerLr). */
  alphaMax?: number;
  /** ES-MAML: perturbation scale (default 0.02). */
  sigma?: number;
  /** ES-MAML: seed of the perturbations (counter RNG key; the iteration is the second counter). */
  seed?: number;
  /** ProtoNet: the distance of queries to prototypes (default EUCLIDEAN, Snell et al.'s). */
  distance?: ProtonetDistance;
  /**
   * FOMAML and Reptile with a hidden layer: true runs the factored loop
   * (learners/meta_train/lowrank_loop.ts) where the backend serves it, false the per-model loop;
   * default: the backend's choice (the CPU backend per-model, a GPU backend its `metaLoop` option:
   * factored when the inputs are a multiple of 4 and the batch exceeds 8, on a software adapter
   * only within its loop budget).
   */
  lowrank?: boolean;
  /**
   * true: after every meta-update the output layer's weights and bias of theta are set to zero
   * (the "zeroing trick" of Kao et al. 2022, "MAML is a noisy contrastive learner"), in every
   * loop, the factored one included. Default false.
   */
  headReset?: boolean;
}

/** The meta-learner's state held by the loop. */
export interface MetaLoopState {
  /** The initialization, one row of the layout's stride. */
  theta: Float32Array<ArrayBuffer>;
  /**
   * Adam moments, momentFloats(method, stride) floats: (2, stride) m then v (unused by Reptile);
   * Meta-SGD (4, paramCount) m_theta, v_theta, m_alpha, v_alpha in the first 4 * paramCount.
   */
  moments: Float32Array<ArrayBuffer>;
  /** Meta-SGD: the learned per-parameter inner rates (stride); ignored by the other methods. */
  alpha?: Float32Array<ArrayBuffer>;
  /** Adam steps taken. */
  t: number;
}

/** What `MetaLoop.read` returns. */
export interface MetaLoopReadout {
  /** The state now. */
  state: MetaLoopState;
  /** (iterations, META_LOG_WIDTH): one row per meta-iteration run since the last read. */
  log: Float32Array;
  /**
   * ProtoNet: (metaBatch, PROTONET_STATS) per-episode [query loss, query accuracy, support loss,
   * support accuracy] at the theta before the last iteration's update; absent for other methods.
   */
  stats?: Float32Array;
}

/** A meta-training loop resident on a backend (see the module doc). */
export interface MetaLoop {
  /** The spec it was created for. */
  readonly spec: MetaLoopSpec;
  /**
   * Where its meta-iterations run: "device" (the GPU kernels) or "host" (the CPU twin, also a
   * GpuBackend's fallback past a software adapter's loop budget).
   */
  readonly runsOn: "device" | "host";
  /** Overwrites the state. */
  write(state: MetaLoopState): void;
  /**
   * Enqueues one meta-iteration per row of `ids` ((iterations, metaBatch) episode ids of
   * `episodes`, whose samples are `data`); no readback.
   */
  run(episodes: EpisodeBatch, data: BackendDataset, ids: Uint32Array<ArrayBuffer>): void;
  /** The state and the log rows of the iterations run since the last read (one wait on a GPU). */
  read(): Promise<MetaLoopReadout>;
  /** Frees the loop's buffers. */
  destroy(): void;
}

/** Throws a RangeError naming the first field of `s` out of range. */
export function checkMetaLoopSpec(s: MetaLoopSpec): void {
  if (!META_LOOP_METHODS.includes(s.method)) {
    throw new RangeError(
      `Cannot create meta loop as method must be one of ${
        META_LOOP_METHODS.join(", ")
      }: current value is ${s.method}`,
    );
  }
  for (const f of ["metaBatch", "innerSteps"] as const) {
    if (!Number.isInteger(s[f]) || s[f] < 1) {
      throw new RangeError(
        `Cannot create meta loop as ${f} must be an integer >= 1: current value is ${s[f]}`,
      );
    }
  }
  for (const f of ["innerLr", "metaLr"] as const) {
    if (!Number.isFinite(s[f]) || s[f] < 0) {
      throw new RangeError(
        `Cannot create meta loop as ${f} must be >= 0: current value is ${s[f]}`,
      );
    }
  }
  if (s.distance) checkProtonetDistance(s.distance);
}

/** ProtoNet's distance of a loop spec (EUCLIDEAN when the spec gives none). */
export function protonetDistance(s: MetaLoopSpec): ProtonetDistance {
  return s.distance ?? EUCLIDEAN;
}

/** Throws a RangeError when `ids` is not whole rows of metaBatch ids below `episodes`. */
export function checkLoopIds(ids: Uint32Array, metaBatch: number, episodes: number): number {
  if (ids.length === 0 || ids.length % metaBatch !== 0) {
    throw new RangeError(
      `Cannot run meta loop as ids must hold whole rows of ${metaBatch}: current length is ${ids.length}`,
    );
  }
  for (const e of ids) {
    if (e >= episodes) {
      throw new RangeError(
        `Cannot run meta loop as episode ids must be < ${episodes}: current value is ${e}`,
      );
    }
  }
  return ids.length / metaBatch;
}

/** The population shape (without size) of a loop's models. */
export function loopShape(
  s: MetaLoopSpec,
): { widths: number[]; activation?: Activation; loss?: LossKind; batchSize: number } {
  return { widths: s.widths, activation: s.activation, loss: s.loss, batchSize: s.batchSize };
}

/** Whether `method` adapts with a query slot after the support slots (and takes a query gradient). */
export function usesQuerySlot(method: MetaLoopMethod): boolean {
  return method !== "reptile";
}

/** Floats of a loop's Adam moments for `method` (see MetaLoopState.moments). */
export function momentFloats(method: MetaLoopMethod, stride: number): number {
  return (method === "meta-sgd" ? 4 : 2) * stride;
}

/** A zero state of `method` for rows of `stride` floats (theta, moments and alpha 0; t 0). */
export function zeroLoopState(method: MetaLoopMethod, stride: number): MetaLoopState {
  return {
    theta: new Float32Array(stride),
    moments: new Float32Array(momentFloats(method, stride)),
    alpha: new Float32Array(stride),
    t: 0,
  };
}

/** A copy of a state held on the host (what a CPU loop's `read` hands out). */
export function copyLoopState(s: MetaLoopState): MetaLoopState {
  const alpha = s.alpha?.slice();
  return {
    theta: s.theta.slice(),
    moments: s.moments.slice(),
    ...(alpha ? { alpha } : {}),
    t: s.t,
  };
}

/** Support slots a loop's batch tables hold: K, or 1 for Meta-SGD (one gradient pass per step). */
export function supportSlots(spec: MetaLoopSpec): number {
  return spec.method === "meta-sgd" ? 1 : spec.innerSteps;
}

/** Meta-SGD's Adam step size of alpha and its clamp, from the spec (as the MetaSgd learner). */
export function alphaKnobs(spec: MetaLoopSpec): { alphaLr: number; alphaMax: number } {
  return { alphaLr: spec.metaLr * spec.innerLr, alphaMax: spec.alphaMax ?? 10 * spec.innerLr };
}

/** Models a loop's population holds: metaBatch, or 2 per task for ES-MAML's antithetic pairs. */
export function loopModels(spec: MetaLoopSpec): number {
  return spec.method === "es-maml" ? 2 * spec.metaBatch : spec.metaBatch;
}

/** The episode ids of the loop's models: each row of metaBatch ids, each id twice for ES-MAML. */
export function modelIds(
  spec: MetaLoopSpec,
  ids: Uint32Array<ArrayBuffer>,
): Uint32Array<ArrayBuffer> {
  if (spec.method !== "es-maml") return ids;
  const out = new Uint32Array(2 * ids.length);
  for (let i = 0; i < ids.length; i++) out[2 * i] = out[2 * i + 1] = ids[i]!;
  return out;
}

/** ES-MAML's perturbation scale (default 0.02, as the EsMaml learner). */
export function esSigma(spec: MetaLoopSpec): number {
  return spec.sigma ?? 0.02;
}

/**
 * The output layer's floats in a row of `layout` as [start, end) ranges: its weights then its
 * bias, one range when they are adjacent (as mlp_layout.ts lays them out).
 */
export function headRanges(layout: MlpLayout): [number, number][] {
  const l = layout.layers - 1;
  const w: [number, number] = [layout.weightOffset[l]!, layout.biasOffset[l]!];
  const b: [number, number] = [
    layout.biasOffset[l]!,
    layout.biasOffset[l]! + layout.widths[l + 1]!,
  ];
  return w[1] === b[0] ? [[w[0], b[1]]] : [w, b];
}

/** Sets the output layer of the row `theta` (`layout`'s) to zero (MetaLoopSpec.headReset). */
export function resetHead(theta: Float32Array, layout: MlpLayout): void {
  for (const [start, end] of headRanges(layout)) theta.fill(0, start, end);
}
