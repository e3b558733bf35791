/**
 * The pixel nearest-neighbour baseline: each query point takes the label (classification) or the
 * target (regression) of its nearest support point in input space (Euclidean; ties go to the
 * first). It learns nothing and adapts in zero steps, so its curve has one point.
 * @module
 */
import { type EpisodeBatch, episodeLabel } from "../../learners/tasks/task_family.ts";
import type { AdaptCurve } from "./inner_loop.ts";

/** Query accuracy and squared error of 1-NN on episode `e` of `b`. */
export function nearestNeighbourEpisode(
  b: EpisodeBatch,
  e: number,
  regression: boolean,
): { accuracy: number; loss: number } {
  const { x, y, inputs } = b.dataset;
  const S = b.supportSize;
  const Q = b.querySize;
  let correct = 0;
  let sq = 0;
  for (let q = 0; q < Q; q++) {
    const qi = b.query[e * Q + q]!;
    let best = -1;
    let bestD = Infinity;
    for (let s = 0; s < S; s++) {
      const si = b.support[e * S + s]!;
      let d = 0;
      for (let j = 0; j < inputs; j++) d += (x[qi * inputs + j]! - x[si * inputs + j]!) ** 2;
      if (d < bestD) (bestD = d, best = si);
    }
    if (regression) sq += (y[qi]! - y[best]!) ** 2;
    else if (episodeLabel(b, e, qi) === episodeLabel(b, e, best)) correct++;
  }
  return { accuracy: regression ? NaN : correct / Q, loss: regression ? sq / Q : NaN };
}

/** 1-NN on episodes `ids` of `b`, as a one-point adaptation curve. */
export function nearestNeighbourCurve(
  b: EpisodeBatch,
  ids: ArrayLike<number>,
  regression: boolean,
): AdaptCurve {
  const acc = new Float32Array(ids.length);
  const loss = new Float32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const r = nearestNeighbourEpisode(b, ids[i]!, regression);
    acc[i] = r.accuracy;
    loss[i] = r.loss;
  }
  return {
    accuracy: [acc],
    loss: [loss],
    supportLoss: new Float32Array(ids.length),
    supportAccuracy: new Float32Array(ids.length).fill(regression ? NaN : 1),
  };
}
