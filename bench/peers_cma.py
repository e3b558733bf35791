"""NumPy peer of the engine's CMA-ES (bench/strategies.ts): S independent instances, batched.

Same update as learners/strategies/cma_update.ts (Hansen 2016, positive weights) and the same lazy
eigendecomposition gap, on the sphere; prints generations per second of all S instances together.
Usage: python3 peers_cma.py S D seconds
"""
import sys
import time

import numpy as np


def run(S, D, seconds):
    N = 4 + int(3 * np.log(D))
    mu = N // 2
    w = np.log((N + 1) / 2) - np.log(np.arange(1, mu + 1))
    w /= w.sum()
    mueff = 1 / np.sum(w**2)
    cs = (mueff + 2) / (D + mueff + 5)
    ds = 1 + 2 * max(0, np.sqrt((mueff - 1) / (D + 1)) - 1) + cs
    cc = (4 + mueff / D) / (D + 4 + 2 * mueff / D)
    c1 = 2 / ((D + 1.3) ** 2 + mueff)
    cmu = min(1 - c1, 2 * (mueff - 2 + 1 / mueff) / ((D + 2) ** 2 + mueff))
    chin = np.sqrt(D) * (1 - 1 / (4 * D) + 1 / (21 * D * D))
    gap = max(1, int(N / (c1 + cmu) / D / 10))
    rng = np.random.default_rng(0)
    m = rng.uniform(-4, 4, (S, D))
    sigma = np.full(S, 2.0)
    C = np.tile(np.eye(D), (S, 1, 1))
    B = C.copy()
    A = C.copy()
    ps = np.zeros((S, D))
    pc = np.zeros((S, D))
    g = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        z = rng.standard_normal((S, N, D))
        y = z @ A.transpose(0, 2, 1)
        x = m[:, None, :] + sigma[:, None, None] * y
        f = np.sum(x * x, axis=2)
        idx = np.argsort(f, axis=1)[:, :mu]
        ys = np.take_along_axis(y, idx[:, :, None], axis=1)
        zs = np.take_along_axis(z, idx[:, :, None], axis=1)
        yw = np.einsum("k,skd->sd", w, ys)
        zw = np.einsum("k,skd->sd", w, zs)
        m = m + sigma[:, None] * yw
        ps = (1 - cs) * ps + np.sqrt(cs * (2 - cs) * mueff) * (B @ zw[:, :, None])[:, :, 0]
        norm = np.linalg.norm(ps, axis=1)
        hsig = (norm / np.sqrt(1 - (1 - cs) ** (2 * (g + 1))) / chin < 1.4 + 2 / (D + 1)).astype(float)
        pc = (1 - cc) * pc + (hsig * np.sqrt(cc * (2 - cc) * mueff))[:, None] * yw
        decay = 1 - c1 - cmu + (1 - hsig) * c1 * cc * (2 - cc)
        rank_mu = (ys * w[None, :, None]).transpose(0, 2, 1) @ ys
        C = decay[:, None, None] * C + c1 * pc[:, :, None] * pc[:, None, :] + cmu * rank_mu
        sigma = sigma * np.exp(cs / ds * (norm / chin - 1))
        g += 1
        if g % gap == 0:
            vals, vecs = np.linalg.eigh(C)
            B = vecs
            A = vecs * np.sqrt(np.maximum(vals, 1e-300))[:, None, :]
    return g / (time.perf_counter() - t0)


if __name__ == "__main__":
    S, D, sec = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    print(f"{run(S, D, sec):.3f}")
