/**
 * Rank-based fitness shaping tables: the weight a candidate gets from its rank (0 = best) in its
 * own instance. Each strategy picks one; the rank kernel (and `rankWeightsCpu`) applies it.
 * @module
 */

/**
 * Centred ranks (Salimans et al. 2017, "Evolution strategies as a scalable alternative to
 * reinforcement learning"): rank r of N maps to 0.5 - r/(N-1), so the best gets +0.5, the worst
 * -0.5 and the weights sum to 0.
 */
export function centredRankTable(n: number): Float64Array {
  const t = new Float64Array(n);
  for (let r = 0; r < n; r++) t[r] = n > 1 ? 0.5 - r / (n - 1) : 0;
  return t;
}

/**
 * NES utilities (Wierstra et al. 2014, "Natural evolution strategies", JMLR 15, eq. in sec. 3.1):
 * u_k = max(0, ln(N/2 + 1) - ln k) / sum_j max(0, ln(N/2 + 1) - ln j) - 1/N for k = r + 1.
 */
export function nesUtilityTable(n: number): Float64Array {
  const raw = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) {
    raw[r] = Math.max(0, Math.log(n / 2 + 1) - Math.log(r + 1));
    sum += raw[r]!;
  }
  return raw.map((v) => v / sum - 1 / n);
}

/**
 * CMA-ES recombination weights (Hansen 2016, "The CMA evolution strategy: a tutorial", eq. 49
 * without negative weights): w_r proportional to ln((N+1)/2) - ln(r+1) for the mu = floor(N/2)
 * best, 0 for the rest, summing to 1.
 */
export function cmaWeightTable(n: number): Float64Array {
  const mu = Math.floor(n / 2);
  const w = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < mu; r++) {
    w[r] = Math.log((n + 1) / 2) - Math.log(r + 1);
    sum += w[r]!;
  }
  for (let r = 0; r < mu; r++) w[r] = w[r]! / sum;
  return w;
}

/** Variance-effective selection mass 1 / sum w_r^2 of the positive weights. */
export function effectiveMass(w: Float64Array): number {
  let s2 = 0;
  for (const v of w) if (v > 0) s2 += v * v;
  return 1 / s2;
}
