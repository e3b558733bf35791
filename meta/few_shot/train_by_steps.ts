/**
 * `MetaLearner.train` as a loop of `step` (one meta-iteration, several backend round trips each):
 * the reference every faster path of `train` must match, and the path of the methods that have no
 * on-device loop yet. Also the checks and the validation point shared by every path.
 * @module
 */
import { Rng } from "../../core/rng.ts";
import type { EpisodePool } from "./episode_pool.ts";
import { metricPart } from "./metric.ts";
import type {
  MetaLearner,
  MetaLearnerTrainOptions,
  MetaLearnerTrainResult,
  MetaValidation,
} from "./meta_learner.ts";

/** Throws a RangeError naming the first field of `o` out of range. */
export function checkTrainOptions(o: MetaLearnerTrainOptions, poolSize: number): void {
  for (const f of ["iterations", "metaBatch", "validateEvery"] as const) {
    if (!Number.isInteger(o[f]) || o[f] < 1) {
      throw new RangeError(
        `Cannot meta-train as ${f} must be an integer >= 1: current value is ${o[f]}`,
      );
    }
  }
  if (!Number.isFinite(o.seed)) {
    throw new RangeError(
      `Cannot meta-train as seed must be a finite number: current value is ${o.seed}`,
    );
  }
  if (poolSize < 1) throw new RangeError("Cannot meta-train as the episode pool is empty");
}

/** The episode ids of the next meta-iteration: `metaBatch` draws of `rng.int(poolSize)`. */
export function drawIds(rng: Rng, metaBatch: number, poolSize: number): Uint32Array<ArrayBuffer> {
  return Uint32Array.from({ length: metaBatch }, () => rng.int(poolSize));
}

/** True when iteration `it` (0-based) of `iterations` ends with a logged point. */
export function isLogPoint(it: number, o: MetaLearnerTrainOptions): boolean {
  return (it + 1) % o.validateEvery === 0 || it === o.iterations - 1;
}

/** The validation metric of `learner` now: mean query accuracy or loss after the eval steps. */
export async function validate(learner: MetaLearner, v: MetaValidation): Promise<number> {
  const steps = v.steps ?? learner.knobs.innerSteps;
  const curve = await learner.evaluate(v.pool, v.ids, steps);
  const row = metricPart(curve, v.metric)[steps]!;
  let s = 0;
  for (const x of row) s += x;
  return s / row.length;
}

/** `MetaLearner.train` by calling `learner.step` once per meta-iteration. */
export async function trainBySteps(
  learner: MetaLearner,
  pool: EpisodePool,
  o: MetaLearnerTrainOptions,
): Promise<MetaLearnerTrainResult> {
  checkTrainOptions(o, pool.size);
  const rng = new Rng(o.seed);
  const rows: Record<string, number>[] = [];
  let ms = 0;
  for (let it = 0; it < o.iterations; it++) {
    const ids = drawIds(rng, o.metaBatch, pool.size);
    const t0 = performance.now();
    const row = await learner.step(pool, ids);
    ms += performance.now() - t0;
    if (!isLogPoint(it, o)) continue;
    const out: Record<string, number> = { iteration: it + 1 };
    if (o.validation) out.val_query = await validate(learner, o.validation);
    rows.push({ ...out, ...row });
  }
  return { rows, seconds: ms / 1000, itersPerSecond: o.iterations / (ms / 1000) };
}
