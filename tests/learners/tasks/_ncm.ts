// Nearest-class-mean classifier used by the task tests (plain TypeScript reference).
import { type EpisodeBatch, episodeLabel } from "../../../learners/tasks/task_family.ts";

/** Query accuracy of nearest-class-mean on `query`'s episodes, with class means from `support`'s. */
export function nearestClassMeanAccuracy(
  query: EpisodeBatch,
  support: EpisodeBatch = query,
): number {
  const n = query.dataset.inputs;
  let correct = 0;
  let total = 0;
  for (let e = 0; e < query.episodes; e++) {
    const means = new Float64Array(query.ways * n);
    const count = new Float64Array(query.ways);
    for (let s = 0; s < support.supportSize; s++) {
      const i = support.support[e * support.supportSize + s]!;
      const l = episodeLabel(support, e, i);
      count[l] = count[l]! + 1;
      for (let m = 0; m < n; m++) {
        means[l * n + m] = means[l * n + m]! + support.dataset.x[i * n + m]!;
      }
    }
    for (let l = 0; l < query.ways; l++) {
      for (let m = 0; m < n; m++) means[l * n + m] = means[l * n + m]! / Math.max(1, count[l]!);
    }
    for (let q = 0; q < query.querySize; q++) {
      const i = query.query[e * query.querySize + q]!;
      let best = -1;
      let bestDist = Infinity;
      for (let l = 0; l < query.ways; l++) {
        let d = 0;
        for (let m = 0; m < n; m++) d += (query.dataset.x[i * n + m]! - means[l * n + m]!) ** 2;
        if (d < bestDist) {
          bestDist = d;
          best = l;
        }
      }
      if (best === episodeLabel(query, e, i)) correct++;
      total++;
    }
  }
  return correct / total;
}
