/**
 * What every method of one seed x setting of the `meta` experiment shares: the episode pools
 * (meta-train, meta-validation, meta-test and cross-domain test), the inner loop, the metric, and
 * the outcome a method hands to the report. `finishOutcome` is the protocol's last step for every
 * method: the test step count is the one with the best meta-validation score, then the meta-test
 * (and cross-domain) curves are read.
 * @module
 */
import type { RunContext } from "../../core/experiment.ts";
import type { ProgressSaver } from "../../core/phase_checkpoints.ts";
import { mean } from "../../core/stats.ts";
import type { Backend, BackendDataset } from "../../learners/backend.ts";
import type { Dataset } from "../../learners/dataset.ts";
import { bestOfCurves } from "./baseline.ts";
import { EpisodePool, poolSeed } from "./episode_pool.ts";
import { type AdaptCurve, InnerLoop } from "./inner_loop.ts";
import { type FewShotMetric, metricPart } from "./metric.ts";
import { type MetaConfig, settingConfig } from "./config.ts";
import type { Setting } from "./settings.ts";

/** What one method hands to the report for one seed x setting. */
export interface MethodOutcome {
  /** Meta-test curve (query metric after 0..evalSteps steps, or one point). */
  curve: AdaptCurve;
  /** Cross-domain test curve, or null. */
  cross: AdaptCurve | null;
  /** Validation metric vs meta-iteration (empty for methods that do not meta-train). */
  valCurve: { x: number[]; y: number[] };
  /** Step count read in the table (chosen on meta-validation). */
  stepsUsed: number;
  /** Meta-iterations per second of meta-training (NaN where none). */
  itersPerSecond: number;
  /** Tasks adapted in meta-training and tuning (the budget; 0 for the baselines). */
  taskBudget: number;
  /** Chosen hyperparameters, for the report. */
  chosen: Record<string, number | string>;
}

/** A learned initialization's adaptation, as every meta-learner exposes it. */
export interface Adapter {
  /** Query curves after 0..steps inner steps on episodes `ids` of `pool`. */
  evaluate(pool: EpisodePool, ids: Uint32Array, steps: number): Promise<AdaptCurve>;
}

/** One seed x setting in progress. */
export interface SettingRun {
  /** Run context (its config; a cluster worker has no more of it). */
  ctx: Pick<RunContext<MetaConfig>, "config">;
  /** Resolved config, with this setting's meta-iterations. */
  c: MetaConfig;
  /** The setting. */
  s: Setting;
  /** The seed of this run. */
  seed: number;
  /** Backend. */
  backend: Backend;
  /** Inner loop of the setting's learner. */
  loop: InnerLoop;
  /**
   * Meta-train, meta-validation, meta-test and cross-domain pools, and ProtoNets' own meta-train
   * pool where the setting gives them wider episodes and they run (else null).
   */
  pools: {
    train: EpisodePool;
    val: EpisodePool;
    test: EpisodePool;
    cross: EpisodePool | null;
    protonetTrain: EpisodePool | null;
  };
  /** The data sets the pools read, each uploaded once (freed by closeSettingRun). */
  uploads: BackendDataset[];
  /** Episode ids 0..n-1 of the validation and test pools. */
  ids: { val: Uint32Array; test: Uint32Array };
  /** "loss" for regression, else "accuracy". */
  metric: FewShotMetric;
  /**
   * Where the method now running saves its progress inside its meta-training (at most every
   * `checkpointSeconds` of work) and finds what an interrupted run saved; absent on a cluster
   * worker and in tests (the method then runs from its start without saving).
   */
  progress?: ProgressSaver;
}

const range = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => i);

/** Samples the pools of one seed x setting and builds its inner loop. */
export function openSettingRun(
  ctx: Pick<RunContext<MetaConfig>, "config">,
  backend: Backend,
  s: Setting,
  seed: number,
): SettingRun {
  const c = settingConfig(ctx.config, s.name);
  const loop = new InnerLoop(backend, {
    widths: s.widths,
    batchSize: s.batchSize,
    loss: s.regression ? "mse" : "cross_entropy",
  });
  // Pools of one data set (the glyph splits) share one upload of it.
  const uploads = new Map<Dataset, BackendDataset>();
  const upload = (d: Dataset): BackendDataset => {
    let u = uploads.get(d);
    if (!u) {
      u = backend.uploadDataset(d);
      uploads.set(d, u);
    }
    return u;
  };
  const pool = (f: Setting["test"], tag: string, n: number): EpisodePool =>
    new EpisodePool(backend, f, poolSeed(seed, tag), n, { upload });
  const pools = {
    train: pool(s.train, "train", c.trainPool),
    val: pool(s.val, "val", c.valEpisodes),
    test: pool(s.test, "test", c.testEpisodes),
    cross: s.crossDomain ? pool(s.crossDomain.family, "cross", c.testEpisodes) : null,
    protonetTrain: s.protonetTrain && c.methods.includes("protonet")
      ? pool(
        s.protonetTrain,
        "train",
        s.synthetic ? c.synthetic.trainPool ?? c.trainPool : c.trainPool,
      )
      : null,
  };
  return {
    ctx,
    c,
    s,
    seed,
    backend,
    loop,
    pools,
    uploads: [...uploads.values()],
    ids: { val: range(c.valEpisodes), test: range(c.testEpisodes) },
    metric: s.regression ? "loss" : "accuracy",
  };
}

/** Frees the pools, their data sets and the inner loop. */
export function closeSettingRun(r: SettingRun): void {
  r.pools.train.destroy();
  r.pools.val.destroy();
  r.pools.test.destroy();
  r.pools.cross?.destroy();
  r.pools.protonetTrain?.destroy();
  for (const d of r.uploads) d.destroy();
  r.loop.destroy();
}

/** Mean query metric of a curve after `k` steps. */
export function curveMetric(r: SettingRun, cv: AdaptCurve, k: number): number {
  return mean(Array.from(metricPart(cv, r.metric)[k]!));
}

/**
 * The protocol's last step: picks the step count (0..evalSteps, at least `minSteps`) with the best
 * meta-validation score, then reads the meta-test and cross-domain curves.
 */
export async function finishOutcome(
  r: SettingRun,
  learner: Adapter,
  rest: Omit<MethodOutcome, "curve" | "cross" | "stepsUsed">,
  minSteps = 0,
): Promise<MethodOutcome> {
  const K = r.c.evalSteps;
  const val = await learner.evaluate(r.pools.val, r.ids.val, K);
  const stepsUsed = bestOfCurves([val], r.metric, minSteps).steps;
  const curve = await learner.evaluate(r.pools.test, r.ids.test, K);
  const cross = r.pools.cross ? await learner.evaluate(r.pools.cross, r.ids.test, K) : null;
  return { ...rest, curve, cross, stepsUsed };
}
