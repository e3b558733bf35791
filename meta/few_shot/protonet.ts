/**
 * Prototypical Networks (Snell, Swersky and Zemel, "Prototypical Networks for Few-shot Learning",
 * NeurIPS 2017): theta is an embedding (the MLP up to its last hidden layer, after the
 * nonlinearity, or before it with options.distance.embedding "linear"); an episode's class prototypes are the mean embeddings of its support samples and
 * a query is classified by softmax over minus the squared Euclidean distances to the prototypes
 * (options.distance: or minus a scaled cosine similarity or dot product, the same rule in training
 * and evaluation; learners/meta_train/protonet_distance.ts).
 * Meta-training minimises the query cross-entropy of that classifier with Adam on the meta-batch
 * mean gradient; every iteration runs in the backend's meta loop (method "protonet":
 * learners/meta_train/protonet_cpu.ts is the gradient, then the FOMAML update; on a GPU the kernel
 * shaders/protonet_grad.wgsl, except on a software adapter, whose loop limit it would pass, where
 * GpuBackend runs the CPU twin on the host copy of the samples). There are no inner
 * steps: `innerLr` and `innerSteps` are ignored. `evaluate` classifies each query by its nearest
 * prototype with theta as it is, so every entry of the AdaptCurve (0..steps) holds the same value;
 * the support loss and accuracy are those of the support samples against their own prototypes.
 * `step` returns query_loss (mean over the healthy episodes, at theta before the update),
 * meta_grad_norm and tasks_used.
 * @module
 */
import { EUCLIDEAN, PROTONET_STATS, type ProtonetDistance } from "../../learners/meta_train/mod.ts";
import type { EpisodePool } from "./episode_pool.ts";
import type { AdaptCurve, InnerLoop } from "./inner_loop.ts";
import { LoopMetaLearner } from "./loop_meta_learner.ts";
import type { MetaLearnerOptions } from "./meta_learner.ts";
import { validate } from "./train_by_steps.ts";

/** Prototypical Networks meta-learner. */
export class ProtoNet extends LoopMetaLearner {
  /** "protonet". */
  readonly name = "protonet";
  /** The distance of queries to prototypes, in training and evaluation alike. */
  readonly distance: ProtonetDistance;

  /**
   * Starts from `theta` (copied, times options.initScale); the embedding is theta's MLP and
   * options.distance the distance (default Euclidean, scale 1).
   */
  constructor(loop: InnerLoop, theta: Float32Array, options: MetaLearnerOptions) {
    const distance = { ...(options.distance ?? EUCLIDEAN) };
    super(loop, theta, options, "protonet", { distance, validate: (v) => validate(this, v) });
    this.distance = distance;
  }

  /**
   * Nearest-prototype evaluation of episodes `ids`: one pass of the meta loop at meta lr 0 (theta
   * unchanged; the loop's own Adam state is scratch), reading the per-episode statistics.
   */
  override async evaluate(
    pool: EpisodePool,
    ids: Uint32Array,
    steps: number,
  ): Promise<AdaptCurve> {
    const { innerLr, innerSteps } = this.knobs;
    const P = ids.length;
    const loop = await this.inner.metaLoop({
      method: "protonet",
      metaBatch: P,
      innerLr,
      innerSteps,
      metaLr: 0,
      distance: this.distance,
    });
    const moments = new Float32Array(2 * this.theta.length);
    loop.write({ theta: this.theta, moments, t: 0 });
    loop.run(pool.batch, pool.data, Uint32Array.from(ids));
    const { stats } = await loop.read();
    if (!stats || stats.length < P * PROTONET_STATS) {
      throw new Error("Cannot evaluate protonet as the meta loop returned no episode statistics");
    }
    const col = (c: number) =>
      Float32Array.from({ length: P }, (_, p) => stats[p * PROTONET_STATS + c]!);
    const loss = col(0);
    const accuracy = col(1);
    return {
      accuracy: Array.from({ length: steps + 1 }, () => accuracy.slice()),
      loss: Array.from({ length: steps + 1 }, () => loss.slice()),
      supportLoss: col(2),
      supportAccuracy: col(3),
    };
  }
}
