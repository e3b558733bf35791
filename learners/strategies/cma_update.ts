/**
 * CPU twin of the CMA-ES tell kernel (one workgroup per instance on the GPU): mean, evolution
 * paths, step size and covariance of Hansen (2016), "The CMA evolution strategy: a tutorial",
 * eqs. 39-47 with positive weights; the eigendecomposition that follows is `cmaDecompose`.
 * @module
 */
import type { CmaEsParams } from "./cma_es.ts";
import type { AskBatch, StrategyConfig, StrategyState } from "./strategy.ts";

/** E||N(0, I)|| in D dimensions, the tutorial's approximation. */
export function chiN(d: number): number {
  return Math.sqrt(d) * (1 - 1 / (4 * d) + 1 / (21 * d * d));
}

/**
 * Per instance s with weights w (sum 1) and y_i = (x_i - m) / sigma: m += sigma * yw;
 * ps = (1 - cs) ps + sqrt(cs (2 - cs) mueff) * (B zw, or zw when separable); hsig from |ps|;
 * pc = (1 - cc) pc + hsig sqrt(cc (2 - cc) mueff) yw; C = (1 - c1 - cmu + (1 - hsig) c1 cc (2 - cc))
 * C + c1 pc pc^T + cmu sum_i w_i y_i y_i^T (diagonal only when separable); sigma *= exp(cs / ds *
 * (|ps| / chiN - 1)); scale = sigma (full) or sigma * sqrt(C_dd) (separable).
 */
export function cmaCoreUpdateCpu(
  config: StrategyConfig,
  p: CmaEsParams,
  state: StrategyState,
  batch: AskBatch,
  w: Float64Array,
): void {
  const { instances: S, dim: D, popSize: N } = config;
  const { C, B, ps, pc, sigma } = state.aux as Record<string, Float64Array>;
  const y = new Float64Array(N * D);
  const yw = new Float64Array(D);
  const zw = new Float64Array(D);
  for (let s = 0; s < S; s++) {
    const sig = sigma![s]!;
    yw.fill(0);
    zw.fill(0);
    for (let i = 0; i < N; i++) {
      const wi = w[s * N + i]!;
      for (let d = 0; d < D; d++) {
        const k = (s * N + i) * D + d;
        y[i * D + d] = (batch.x[k]! - state.mean[s * D + d]!) / sig;
        yw[d] = yw[d]! + wi * y[i * D + d]!;
        zw[d] = zw[d]! + wi * batch.z[k]!;
      }
    }
    const cps = Math.sqrt(p.cs * (2 - p.cs) * p.mueff);
    let norm2 = 0;
    for (let d = 0; d < D; d++) {
      state.mean[s * D + d] = state.mean[s * D + d]! + sig * yw[d]!;
      let bz = zw[d]!;
      if (!p.separable) {
        bz = 0;
        for (let k = 0; k < D; k++) bz += B![(s * D + d) * D + k]! * zw[k]!;
      }
      ps![s * D + d] = (1 - p.cs) * ps![s * D + d]! + cps * bz;
      norm2 += ps![s * D + d]! ** 2;
    }
    const psNorm = Math.sqrt(norm2);
    const t = state.generation + 1;
    const hsig = psNorm / Math.sqrt(1 - (1 - p.cs) ** (2 * t)) / chiN(D) < 1.4 + 2 / (D + 1)
      ? 1
      : 0;
    const cpc = hsig * Math.sqrt(p.cc * (2 - p.cc) * p.mueff);
    for (let d = 0; d < D; d++) pc![s * D + d] = (1 - p.cc) * pc![s * D + d]! + cpc * yw[d]!;
    const decay = 1 - p.c1 - p.cmu + (1 - hsig) * p.c1 * p.cc * (2 - p.cc);
    for (let j = 0; j < D; j++) {
      for (let k = p.separable ? j : 0; k < (p.separable ? j + 1 : D); k++) {
        let rankMu = 0;
        for (let i = 0; i < N; i++) rankMu += w[s * N + i]! * y[i * D + j]! * y[i * D + k]!;
        const idx = p.separable ? s * D + j : (s * D + j) * D + k;
        C![idx] = decay * C![idx]! + p.c1 * pc![s * D + j]! * pc![s * D + k]! + p.cmu * rankMu;
      }
    }
    sigma![s] = sig * Math.exp(p.cs / p.ds * (psNorm / chiN(D) - 1));
    for (let d = 0; d < D; d++) {
      const cdd = p.separable ? Math.sqrt(Math.max(0, C![s * D + d]!)) : 1;
      state.scale[s * D + d] = sigma![s]! * cdd;
    }
  }
}
