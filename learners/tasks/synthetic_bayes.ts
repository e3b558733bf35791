/**
 * The latent Bayes rule of the synthetic classification family: the accuracy of the Bayes-optimal
 * classifier that sees an episode's latent points (an upper bound for any learner that sees their
 * noisy nonlinear images), on given episodes of the family rebuilt by
 * `SyntheticClassification.latentPoints`.
 * @module
 */
import type { SyntheticClassification } from "./synthetic_classification.ts";

/** What the latent Bayes rule needs of a family: its episode shape and latent noise and spread. */
export type LatentEpisodeShape = Pick<
  SyntheticClassification,
  "ways" | "shots" | "queryPerClass" | "latentDim" | "spread" | "noise"
>;

/**
 * The latent Bayes rule on one episode's latent points `z` (laid out as `latentPoints` writes
 * them): the posterior mean of prototype k is c * (mean of its support points), c = spread^2 /
 * (spread^2 + noise^2 / K), and every class has the same predictive variance, so each query goes to
 * the class minimising |z - c * mean_k| (a tie to the lower class). Returns how many queries it
 * labels right. It reads the generating classes: under a shift's label noise it is not the Bayes
 * rule of the observed labels.
 */
export function latentBayesCorrect(z: Float64Array, shape: LatentEpisodeShape): number {
  const { ways: N, shots: K, queryPerClass: Q, latentDim: L, spread, noise } = shape;
  const c = (spread * spread) / (spread * spread + (noise * noise) / K);
  const centre = new Float64Array(N * L);
  for (let k = 0; k < N; k++) {
    for (let s = 0; s < K; s++) {
      for (let j = 0; j < L; j++) {
        centre[k * L + j] = centre[k * L + j]! + (c * z[(k * K + s) * L + j]!) / K;
      }
    }
  }
  let correct = 0;
  for (let i = 0; i < N * Q; i++) {
    const row = (N * K + i) * L;
    let best = 0;
    let bestD = Infinity;
    for (let m = 0; m < N; m++) {
      let d = 0;
      for (let j = 0; j < L; j++) d += (z[row + j]! - centre[m * L + j]!) ** 2;
      if (d < bestD) (bestD = d, best = m);
    }
    if (best === Math.floor(i / Q)) correct++;
  }
  return correct;
}

/**
 * Query accuracy of the latent Bayes rule (`latentBayesCorrect`) on episodes `episodes` (ids, or a
 * count n for ids 0..n-1) of `family.sampleEpisodes(seed, ...)`, rebuilt by `latentPoints`.
 */
export function latentBayesAccuracy(
  family: SyntheticClassification,
  seed: number,
  episodes: number | ArrayLike<number>,
): number {
  return countsAccuracy(latentBayesEpisodeCorrect(family, seed, episodes), family);
}

/** The accuracy of per-episode correct counts: their sum over every query answered. */
export function countsAccuracy(
  counts: readonly number[],
  family: Pick<SyntheticClassification, "ways" | "queryPerClass">,
): number {
  let correct = 0;
  for (const c of counts) correct += c;
  return correct / (counts.length * family.ways * family.queryPerClass);
}

/**
 * The latent Bayes rule's query accuracy on each of the episodes of `latentBayesAccuracy`, in the
 * order given (their mean is its accuracy): the paired ceiling of a method's per-episode accuracies
 * on the same episodes.
 */
export function latentBayesEpisodeAccuracies(
  family: SyntheticClassification,
  seed: number,
  episodes: number | ArrayLike<number>,
): number[] {
  const queries = family.ways * family.queryPerClass;
  return latentBayesEpisodeCorrect(family, seed, episodes).map((c) => c / queries);
}

/** How many queries the latent Bayes rule labels right in each episode (ids, or ids 0..n-1). */
export function latentBayesEpisodeCorrect(
  family: SyntheticClassification,
  seed: number,
  episodes: number | ArrayLike<number>,
): number[] {
  const ids = typeof episodes === "number"
    ? Array.from({ length: episodes }, (_, i) => i)
    : Array.from(episodes);
  if (ids.length === 0) {
    throw new RangeError("Cannot score the latent Bayes rule as episodes must not be empty");
  }
  const z = new Float64Array(
    family.ways * (family.shots + family.queryPerClass) * family.latentDim,
  );
  return ids.map((e) => latentBayesCorrect(family.latentPoints(seed, e, z), family));
}
