/**
 * Floors and ceilings printed beside the `meta` experiment's table: chance accuracy, the
 * sinusoid's mean-function floor (the MSE of the best prediction that ignores the support set) and
 * the synthetic family's Bayes ceiling (the accuracy of the Bayes-optimal classifier that sees the
 * latent points, an upper bound for any learner that sees their noisy nonlinear images).
 * @module
 */
import { rngNormalPair } from "../../core/rng.ts";
import type { Sinusoid } from "../../learners/tasks/sinusoid.ts";
import {
  countsAccuracy,
  latentBayesCorrect,
  latentBayesEpisodeCorrect,
} from "../../learners/tasks/synthetic_bayes.ts";
import type { SyntheticClassification } from "../../learners/tasks/synthetic_classification.ts";
import { poolSeed } from "./episode_pool.ts";

/**
 * MSE of the mean function f(x) = E[A sin(x - phi)] over the sinusoid's task distribution (A, phi,
 * x uniform in their ranges): E[A^2]/2-style integrals on a midpoint grid of `n` points per axis.
 * MAML's ranges give about 3.0; a learner that ignores the support set cannot do better.
 */
export function sinusoidMeanFloor(family: Sinusoid, n = 400): number {
  const [a0, a1] = family.amplitude;
  const [p0, p1] = family.phase;
  const [x0, x1] = family.xRange;
  let meanA = 0;
  let meanA2 = 0;
  for (let i = 0; i < n; i++) {
    const a = a0 + ((i + 0.5) / n) * (a1 - a0);
    meanA += a / n;
    meanA2 += (a * a) / n;
  }
  let floor = 0;
  for (let i = 0; i < n; i++) {
    const x = x0 + ((i + 0.5) / n) * (x1 - x0);
    let s = 0;
    let s2 = 0;
    for (let j = 0; j < n; j++) {
      const v = Math.sin(x - (p0 + ((j + 0.5) / n) * (p1 - p0)));
      s += v / n;
      s2 += (v * v) / n;
    }
    // E[y^2 | x] - E[y | x]^2 with A and phi independent.
    floor += (meanA2 * s2 - meanA * meanA * s * s) / n;
  }
  return floor;
}

/**
 * Monte-Carlo estimate of the synthetic family's latent Bayes ceiling over `episodes` episodes:
 * prototypes mu_k ~ N(0, spread^2 I) in a `latentDim`-dimensional latent space, points mu_k +
 * noise * N(0, I), scored by the latent Bayes rule (`latentBayesCorrect`: the class minimising
 * |z - c * mean_k|, c = spread^2 / (spread^2 + noise^2 / K)). Returns its query accuracy.
 * The default 20,000 episodes put its 95% Monte-Carlo interval at about +-0.14 points on 5-way
 * 1-shot at difficulty 0.9 (47.3%; 2,000 episodes, the earlier default, gave 47.7%, +-0.44).
 * Its episodes are its own (each counter draws two normals, rngNormalPair), not the family's:
 * `syntheticTestCeiling` scores the same rule on a run's test episodes.
 */
export function syntheticBayesCeiling(
  family: SyntheticClassification,
  options: { episodes?: number; seed?: number; latentDim?: number } = {},
): number {
  const E = options.episodes ?? 20000;
  const L = options.latentDim ?? 8;
  const seed = options.seed ?? 12345;
  const { ways: N, shots: K, queryPerClass: Q, spread, noise } = family;
  const shape = { ways: N, shots: K, queryPerClass: Q, latentDim: L, spread, noise };
  const proto = new Float64Array(N * L);
  const z = new Float64Array(N * (K + Q) * L);
  let correct = 0;
  for (let e = 0; e < E; e++) {
    let draw = 0;
    let spare = NaN;
    const normal = (): number => {
      if (!Number.isNaN(spare)) {
        const v = spare;
        spare = NaN;
        return v;
      }
      const [x, y] = rngNormalPair(seed, e, draw++);
      spare = y;
      return x;
    };
    for (let i = 0; i < N * L; i++) proto[i] = spread * normal();
    // Support points class-major, then query points: the draw order of the estimate's history.
    for (let i = 0; i < N * (K + Q); i++) {
      const k = i < N * K ? Math.floor(i / K) : Math.floor((i - N * K) / Q);
      for (let j = 0; j < L; j++) z[i * L + j] = proto[k * L + j]! + noise * normal();
    }
    correct += latentBayesCorrect(z, shape);
  }
  return correct / (E * N * Q);
}

/**
 * The latent Bayes rule on a run's own test episodes: the mean over `seeds` (the run's seeds,
 * deriveSeed(run seed, i)) of its accuracy on each seed's pool `tag` (default "test"; `episodes`
 * episodes of `family` from `poolSeed(seed, tag)`, as `openSettingRun` samples them). The paired
 * ceiling of the methods tested on those episodes; `syntheticBayesCeiling` is the family's.
 */
export function syntheticTestCeiling(
  family: SyntheticClassification,
  seeds: readonly number[],
  options: { episodes: number; tag?: string },
): number {
  return syntheticTestRule(family, seeds, options).ceiling;
}

/**
 * `syntheticTestCeiling` with the rule's accuracy on each of those test episodes (`perEpisode`: the
 * seeds' pools in order, each pool's episodes 0..episodes-1, the order of a method's per-episode
 * accuracies), from one pass of the rule over them.
 */
export function syntheticTestRule(
  family: SyntheticClassification,
  seeds: readonly number[],
  options: { episodes: number; tag?: string },
): { ceiling: number; perEpisode: number[] } {
  if (seeds.length === 0) {
    throw new RangeError("Cannot score the test episodes' Bayes rule as seeds must not be empty");
  }
  const tag = options.tag ?? "test";
  const queries = family.ways * family.queryPerClass;
  let sum = 0;
  const perEpisode: number[] = [];
  for (const seed of seeds) {
    const counts = latentBayesEpisodeCorrect(family, poolSeed(seed, tag), options.episodes);
    sum += countsAccuracy(counts, family);
    for (const c of counts) perEpisode.push(c / queries);
  }
  return { ceiling: sum / seeds.length, perEpisode };
}
