/**
 * Meta-SGD (Li, Zhou, Chen and Li, "Meta-SGD: Learning to Learn Quickly for Few-Shot Learning",
 * 2017), first-order: the inner update is theta' = theta - alpha (.) grad L_support(theta) with a
 * learned per-parameter learning rate alpha. First-order meta-gradients after K steps:
 * dL_q/dtheta ~ g_q and dL_q/dalpha ~ -g_q (.) sum_k g_k (the support gradients treated as
 * constants). Meta-training runs in the backend's meta loop (learners/meta_train/meta_loop.ts): the
 * fused train kernel has one scalar learning rate per model, so each inner step is a gradient
 * pass of the whole meta-batch followed by `shaders/meta_sgd_inner.wgsl` (the per-parameter step,
 * non-finite gradient entries skipped); the meta-update (Adam on theta and alpha, alpha clamped to
 * [0, alphaMax]) in `shaders/meta_sgd_update.wgsl`, theta, alpha and the moments resident. The
 * evaluation adapts on the host (one gradient readback per inner step).
 * @module
 */
import type { EpisodePool } from "./episode_pool.ts";
import { type AdaptCurve, type InnerLoop, joinCurves, tileParams } from "./inner_loop.ts";
import { LoopMetaLearner } from "./loop_meta_learner.ts";
import type { MetaLearnerOptions } from "./meta_learner.ts";
import { validate } from "./train_by_steps.ts";

/** Meta-SGD meta-learner (first-order). */
export class MetaSgd extends LoopMetaLearner {
  /** "meta-sgd". */
  readonly name = "meta-sgd";
  /** Learned per-parameter inner learning rates (length stride), starting at knobs.innerLr. */
  readonly alpha: Float32Array<ArrayBuffer>;
  /** Upper clamp of alpha (default 10 * innerLr). */
  readonly alphaMax: number;

  /** Starts from `theta` (copied) and alpha = innerLr everywhere. */
  constructor(
    loop: InnerLoop,
    theta: Float32Array,
    knobs: MetaLearnerOptions,
    options: { alphaMax?: number } = {},
  ) {
    const alpha = new Float32Array(theta.length).fill(knobs.innerLr);
    const alphaMax = options.alphaMax ?? knobs.alphaMax ?? 10 * knobs.innerLr;
    super(loop, theta, knobs, "meta-sgd", { alpha, alphaMax, validate: (v) => validate(this, v) });
    this.alpha = alpha;
    this.alphaMax = alphaMax;
  }

  /** Host inner step: rows -= alpha (.) grads for every model. */
  #innerStep(rows: Float32Array, grads: Float32Array, P: number): void {
    const { stride, paramCount } = this.inner.layout;
    for (let p = 0; p < P; p++) {
      for (let i = 0; i < paramCount; i++) {
        const g = grads[p * stride + i]!;
        if (Number.isFinite(g)) rows[p * stride + i] = rows[p * stride + i]! - this.alpha[i]! * g;
      }
    }
  }

  /**
   * Adapts with the learned per-parameter rates: one gradient and one evaluation readback per step.
   * Models run in populations of at most `inner.chunkSize(P)` models, one after the other, each
   * starting from theta tiled for that chunk only (InnerLoop.chunks, as InnerLoop.curve).
   */
  override async evaluate(
    pool: EpisodePool,
    ids: Uint32Array,
    steps: number,
  ): Promise<AdaptCurve> {
    const { stride } = this.inner.layout;
    // Each chunk tiles theta for itself: #adaptChunk changes its rows in place.
    const parts = await this.inner.chunks(
      ids,
      null,
      (c) => this.#adaptChunk(pool, c.ids, tileParams(this.theta, c.ids.length, stride), steps),
    );
    return joinCurves(parts, ids.length, this.inner.chunkSize(ids.length));
  }

  /** The curve of the models of one chunk, starting from `rows` ((P, stride), changed in place). */
  async #adaptChunk(
    pool: EpisodePool,
    ids: number[],
    rows: Float32Array<ArrayBuffer>,
    steps: number,
  ): Promise<AdaptCurve> {
    const P = ids.length;
    const B = this.inner.spec.batchSize;
    const { pop, gathered } = this.inner.load(pool, ids, rows, {
      lr: 0,
      supportSlots: 1,
      querySlot: true,
    });
    const support = new Uint32Array(P * B);
    for (let p = 0; p < P; p++) {
      support.set(gathered.batches.subarray(2 * p * B, (2 * p + 1) * B), p * B);
    }
    // Set once: evaluate reads its own index rows, so the support batch stays for every step.
    pop.setBatches(support, 1);
    const accuracy: Float32Array[] = [];
    const loss: Float32Array[] = [];
    for (let k = 0; k <= steps; k++) {
      if (k > 0) {
        const g = await pop.gradients(pool.data);
        this.#innerStep(rows, g.grads, P);
        pop.writeParams(rows);
      }
      const ev = await pop.evaluate(pool.data, gathered.query);
      accuracy.push(ev.accuracy);
      loss.push(ev.loss);
    }
    const sup = await pop.evaluate(pool.data, gathered.support);
    return { accuracy, loss, supportLoss: sup.loss, supportAccuracy: sup.accuracy };
  }
}
