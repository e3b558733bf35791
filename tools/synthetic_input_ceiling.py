#!/usr/bin/env python3
"""What ProtoNets' distance rules can reach on the synthetic 5-way 1-shot family (difficulty 0.9)
from its inputs rather than its latents (README, "The meta experiment", 2026-12-02).

An MLP 16-256-256-8 (ReLU, Adam, numpy) learns the inverse of the family's fixed map by regression
on 150,000 (input, latent) pairs; then, over 20,000 episodes, each rule (squared Euclidean, dot
product, cosine, and the Bayes rule |z - a s|^2 with a = spread^2 / (spread^2 + noise^2)) is scored
on the true latents and on the latents recovered from the inputs.

    deno run tools/synthetic_map.ts > map.json
    OPENBLAS_NUM_THREADS=1 python3 tools/synthetic_input_ceiling.py map.json
"""
import json
import sys

import numpy as np

m = json.load(open(sys.argv[1]))
W1 = np.array(m["w1"]).reshape(32, 8)
b1 = np.array(m["b1"])
W2 = np.array(m["w2"]).reshape(16, 32)
b2 = np.array(m["b2"])
rng = np.random.default_rng(1)
spread, noise = 2 - 1.5 * 0.9, 0.2 + 0.8 * 0.9


def fmap(z):
    """The family's map: tanh hidden layer, linear output, input noise 0.05."""
    return np.tanh(z @ W1.T + b1) @ W2.T + b2 + 0.05 * rng.normal(size=z.shape[:-1] + (16,))


def init(i, o):
    return rng.normal(size=(i, o)) * np.sqrt(2 / i), np.zeros(o)


def pred(P, x):
    return np.maximum(np.maximum(x @ P[0] + P[1], 0) @ P[2] + P[3], 0) @ P[4] + P[5]


def fit_inverse(M=150_000, epochs=10, H=256):
    Z = rng.normal(size=(M, 8)) * np.sqrt(spread**2 + noise**2)
    X = fmap(Z)
    P = [*init(16, H), *init(H, H), *init(H, 8)]
    mom = [np.zeros_like(p) for p in P]
    vel = [np.zeros_like(p) for p in P]
    lr, t = 1e-3, 0
    for ep in range(epochs):
        perm = rng.permutation(M)
        for i in range(0, M, 256):
            idx = perm[i:i + 256]
            x, z = X[idx], Z[idx]
            a1 = np.maximum(x @ P[0] + P[1], 0)
            a2 = np.maximum(a1 @ P[2] + P[3], 0)
            g = 2 * (a2 @ P[4] + P[5] - z) / len(idx)
            d2 = (g @ P[4].T) * (a2 > 0)
            d1 = (d2 @ P[2].T) * (a1 > 0)
            grads = [x.T @ d1, d1.sum(0), a1.T @ d2, d2.sum(0), a2.T @ g, g.sum(0)]
            t += 1
            for k, gr in enumerate(grads):
                mom[k] = 0.9 * mom[k] + 0.1 * gr
                vel[k] = 0.999 * vel[k] + 0.001 * gr * gr
                P[k] -= lr * (mom[k] / (1 - 0.9**t)) / (np.sqrt(vel[k] / (1 - 0.999**t)) + 1e-8)
        if ep == 7:
            lr = 3e-4
        Zt = rng.normal(size=(20_000, 8)) * np.sqrt(spread**2 + noise**2)
        r2 = 1 - ((pred(P, fmap(Zt)) - Zt) ** 2).mean() / Zt.var()
        print(f"epoch {ep} R^2 {r2:.4f}", flush=True)
    return P


def rules(s, x, y, name):
    d = -((x[:, :, :, None, :] - s[:, None, None, :, :]) ** 2).sum(-1)
    dot = (x[:, :, :, None, :] * s[:, None, None, :, :]).sum(-1)
    nx = np.sqrt((x**2).sum(-1))[..., None]
    ns = np.sqrt((s**2).sum(-1))[:, None, None, :]
    a = spread**2 / (spread**2 + noise**2)
    bayes = -((x[:, :, :, None, :] - a * s[:, None, None, :, :]) ** 2).sum(-1)
    acc = [(sc.argmax(-1) == y).mean() for sc in (d, dot, dot / nx / ns, bayes)]
    print(f"{name:10s} euclid {acc[0]:.3f} dot {acc[1]:.3f} cos {acc[2]:.3f} bayes-rule {acc[3]:.3f}")


P = fit_inverse()
E, N, Q = 20_000, 5, 15
protos = rng.normal(size=(E, N, 8)) * spread
S = protos + noise * rng.normal(size=(E, N, 8))
Xq = protos[:, :, None, :] + noise * rng.normal(size=(E, N, Q, 8))
y = np.broadcast_to(np.arange(N)[:, None], (N, Q))
rules(S, Xq, y, "latent")
rules(pred(P, fmap(S)), pred(P, fmap(Xq)), y, "recovered")
