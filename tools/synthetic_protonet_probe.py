#!/usr/bin/env python3
"""Why ProtoNets stop short of 80% of the gap on synthetic 5-way 1-shot (README, "The meta
experiment", 2026-12-02): a numpy re-implementation of the engine's ProtoNets (cosine, Adam, a pool
of training episodes with 1 support and 1 query point per class, 2,000 episodes of 15 queries per
class to score) on the family's own fixed map, fast enough to try variants and budgets the
engine's CPU twin cannot try in minutes, and to measure what the engine cannot: the embedding
against the family's latents (a linear probe), and ProtoNet training started from an embedding
regressed onto the latents. At the default settings it scores 42.9% on its validation episodes
where the engine's ProtoNets score 43.0% on theirs (seed 0).

    deno run tools/synthetic_map.ts > map.json
    OPENBLAS_NUM_THREADS=1 python3 tools/synthetic_protonet_probe.py map.json [options]

Options: --hidden 64 (comma-separated widths), --out W (a linear output layer of width W is the
embedding), --linear (the last hidden layer before its ReLU is the embedding), --scale 10,
--learn-scale (the scale's logarithm is learned with theta, as TADAM's metric scale), --iters
2000, --batch 16, --pool 4096, --lr 0.003, --seed 0, --regress N (first N iterations
regress the embedding onto the latents, then ProtoNet training, Adam restarted: a diagnostic, it
uses the latents), --least-squares (only print the cosine rule on the least-squares linear map
from inputs to latents, fitted on the pool), --train-ways W and --train-queries Q (meta-training
episodes of W classes with Q query points each, as the engine's `synthetic.trainWays` /
`trainQueries`), --whiten K (inputs projected on the pool's first K principal components and
scaled to unit variance; 16 whitens them all), --cosine-decay (Adam's lr decays to a tenth along
a half cosine), --train-shots K (K support points per class in the training episodes, their
prototype the mean, as the engine's `synthetic.trainShots`), --fresh (every meta-batch drawn fresh
instead of from the pool), --rotate (every point of a training class is in turn its 1-shot
support, the other points its queries), --val-seed S (the 2,000 validation episodes drawn from
their own generator seeded S, the same for every seed and option; default: drawn after the
training pool, as before).
"""
import argparse
import json

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("map")
ap.add_argument("--hidden", default="64")
ap.add_argument("--out", type=int, default=0)
ap.add_argument("--linear", action="store_true")
ap.add_argument("--scale", type=float, default=10)
ap.add_argument("--iters", type=int, default=2000)
ap.add_argument("--batch", type=int, default=16)
ap.add_argument("--pool", type=int, default=4096)
ap.add_argument("--lr", type=float, default=0.003)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--regress", type=int, default=0)
ap.add_argument("--least-squares", action="store_true")
ap.add_argument("--learn-scale", action="store_true")
ap.add_argument("--train-ways", type=int, default=5)
ap.add_argument("--train-queries", type=int, default=1)
ap.add_argument("--whiten", type=int, default=0)
ap.add_argument("--cosine-decay", action="store_true")
ap.add_argument("--train-shots", type=int, default=1)
ap.add_argument("--fresh", action="store_true")
ap.add_argument("--rotate", action="store_true")
ap.add_argument("--val-seed", type=int, default=-1)
a = ap.parse_args()

m = json.load(open(a.map))
W1, b1 = np.array(m["w1"]).reshape(32, 8), np.array(m["b1"])
W2, b2 = np.array(m["w2"]).reshape(16, 32), np.array(m["b2"])
rng = np.random.default_rng(a.seed)
SPREAD, NOISE, N = 2 - 1.5 * 0.9, 0.2 + 0.8 * 0.9, 5


def episodes(E, Q, N=N, K=1):
    """E episodes of N classes: inputs (E, N*K + N*Q, 16) support first, query labels (N*Q), latents."""
    protos = rng.normal(size=(E, N, 8)) * SPREAD
    s = (protos[:, :, None] + NOISE * rng.normal(size=(E, N, K, 8))).reshape(E, N * K, 8)
    q = (protos[:, :, None] + NOISE * rng.normal(size=(E, N, Q, 8))).reshape(E, N * Q, 8)
    z = np.concatenate([s, q], 1)
    x = np.tanh(z @ W1.T + b1) @ W2.T + b2 + 0.05 * rng.normal(size=z.shape[:-1] + (16,))
    return x, np.repeat(np.arange(N), Q), z


def cosine(zq, zs):
    nq = np.sqrt((zq * zq).sum(-1, keepdims=True) + 1e-8)
    ns = np.sqrt((zs * zs).sum(-1, keepdims=True) + 1e-8)
    return (zq / nq) @ (zs / ns).transpose(0, 2, 1), nq, ns


Xtr, ytr, Ztr = episodes(a.pool, a.train_queries, a.train_ways, a.train_shots)
if a.rotate and a.train_shots != 1:
    raise SystemExit("--rotate takes 1-shot training episodes (--train-shots 1)")
_rng = rng
if a.val_seed >= 0:
    rng = np.random.default_rng(a.val_seed)
Xva, yva, Zva = episodes(2000, 15)
rng = _rng
if a.whiten:
    flat = Xtr.reshape(-1, 16)
    mean, (ev, U) = flat.mean(0), np.linalg.eigh(np.cov(flat.T))
    T = U[:, ::-1][:, :a.whiten] / np.sqrt(ev[::-1][:a.whiten])
    Xtr, Xva = (Xtr - mean) @ T, (Xva - mean) @ T

if a.least_squares:
    ones = lambda x: np.c_[x.reshape(-1, 16), np.ones(x.shape[0] * x.shape[1])]
    coef, *_ = np.linalg.lstsq(ones(Xtr), Ztr.reshape(-1, 8), rcond=None)
    z = (ones(Xva) @ coef).reshape(Zva.shape)
    r2 = 1 - ((z - Zva) ** 2).mean() / Zva.var()
    c = cosine(z[:, N:], z[:, :N])[0]
    print(f"least-squares linear map: R^2 {r2:.3f}, cosine rule {(c.argmax(-1) == yva).mean():.1%}")
    raise SystemExit

widths = [Xtr.shape[-1]] + [int(h) for h in a.hidden.split(",")] + ([a.out] if a.out else [])
P = []
for i, o in zip(widths[:-1], widths[1:]):
    P += [rng.normal(size=(i, o)) * np.sqrt(2 / i), np.zeros(o)]
L = len(P) // 2
P.append(np.array([np.log(a.scale)]))  # the scale's logarithm (trained with --learn-scale)
LINEAR_TOP = bool(a.out or a.linear)


def forward(x):
    hs = [x]
    for l in range(L):
        z = hs[-1] @ P[2 * l] + P[2 * l + 1]
        hs.append(z if (l == L - 1 and LINEAR_TOP) else np.maximum(z, 0))
    return hs


def backward(hs, gz):
    grads, d = [None] * (2 * L), gz
    for l in range(L - 1, -1, -1):
        if not (l == L - 1 and LINEAR_TOP):
            d = d * (hs[l + 1] > 0)
        grads[2 * l] = np.einsum("eni,eno->io", hs[l], d)
        grads[2 * l + 1] = d.sum((0, 1))
        d = d @ P[2 * l].T
    return grads


def protonet(x, y, grad=True):
    """Mean query cross-entropy, accuracy and (grad) the parameter gradient."""
    N = int(y.max()) + 1
    K = (x.shape[1] - len(y)) // N
    hs = forward(x)
    z = hs[-1]
    zs, zq = z[:, :N * K].reshape(z.shape[0], N, K, -1).mean(2), z[:, N * K:]
    cos, nq, ns = cosine(zq, zs)
    scale = np.exp(P[-1][0])
    logit = scale * cos
    p = np.exp(logit - logit.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    oh = np.zeros_like(p)
    oh[:, np.arange(len(y)), y] = 1
    loss, acc = -np.log((p * oh).sum(-1)).mean(), (p.argmax(-1) == y).mean()
    if not grad:
        return loss, acc
    g = (p - oh) / p.shape[0] / p.shape[1]
    glog = np.array([(g * cos).sum() * scale if a.learn_scale else 0.0])
    g = scale * g
    qh, sh = zq / nq, zs / ns
    gq = (g @ sh - (g * cos).sum(-1, keepdims=True) * qh) / nq
    gt, ct = g.transpose(0, 2, 1), cos.transpose(0, 2, 1)
    gs = (gt @ qh - (gt * ct).sum(-1, keepdims=True) * sh) / ns
    gs = np.repeat(gs / K, K, axis=1)
    return loss, acc, backward(hs, np.concatenate([gs, gq], 1)) + [glog]


def rotated(x, y):
    """All-rotations loss: every point of a class is in turn the 1-shot support (K=1 episodes)."""
    E, Pn = x.shape[0], x.shape[1]
    Nn = int(y.max()) + 1
    M = Pn // Nn
    # order points class-major: (n, m), m = 0 the support
    order = np.concatenate([[n] + list(Nn + n * (M - 1) + np.arange(M - 1)) for n in range(Nn)])
    hs = forward(x[:, order])
    z = hs[-1]
    nz = np.sqrt((z * z).sum(-1, keepdims=True) + 1e-8)
    u = z / nz
    C = u @ u.transpose(0, 2, 1)  # (E, P, P)
    scale = np.exp(P[-1][0])
    L = scale * C.reshape(E, Nn, M, Nn, M).transpose(0, 1, 2, 4, 3)  # [e, n, m, r, k]
    p = np.exp(L - L.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    oh = np.zeros_like(p)
    oh[:, np.arange(Nn), :, :, np.arange(Nn)] = 1
    mask = 1 - np.eye(M)[None, None, :, :, None]
    cnt = E * Nn * M * (M - 1)
    loss = -(np.log((p * oh).sum(-1) + 1e-30) * mask[..., 0]).sum() / cnt
    g = (p - oh) * mask / cnt * scale  # d/dL [e,n,m,r,k]
    dC = g.transpose(0, 1, 2, 4, 3).reshape(E, Pn, Pn)
    du = dC @ u + dC.transpose(0, 2, 1) @ u
    dz = (du - (du * u).sum(-1, keepdims=True) * u) / nz
    return loss, None, backward(hs, dz) + [np.zeros(1)]


def regression(x, z):
    hs = forward(x)
    return None, None, backward(hs, 2 * (hs[-1] - z) / hs[-1].size) + [np.zeros(1)]


def validate():
    r = [protonet(Xva[i:i + 250], yva, grad=False) for i in range(0, 2000, 250)]
    return np.mean([v[0] for v in r]), np.mean([v[1] for v in r])


def probe():
    """R^2 of the latents from the embedding (linear least squares) on the validation points."""
    f = forward(Xva)[-1].reshape(-1, P[2 * L - 1].shape[0])
    f = np.c_[f, np.ones(len(f))]
    zt = Zva.reshape(-1, 8)
    coef, *_ = np.linalg.lstsq(f, zt, rcond=None)
    return 1 - ((f @ coef - zt) ** 2).mean() / zt.var()


mom, vel, t = [np.zeros_like(p) for p in P], [np.zeros_like(p) for p in P], 0
for it in range(1, a.regress + a.iters + 1):
    ids = rng.integers(0, a.pool, size=a.batch)
    if a.fresh:
        Xtr, ytr, Ztr = episodes(a.batch, a.train_queries, a.train_ways, a.train_shots)
        ids = np.arange(a.batch)
    if it <= a.regress:
        grads = regression(Xtr[ids], Ztr[ids])[2]
    else:
        if it == a.regress + 1 and a.regress:
            loss, acc = validate()
            print(f"after regression: validation {acc:.1%} (loss {loss:.3f}), probe R^2 {probe():.3f}")
            mom, vel, t = [np.zeros_like(p) for p in P], [np.zeros_like(p) for p in P], 0
        grads = (rotated if a.rotate else protonet)(Xtr[ids], ytr)[2]
    t += 1
    lr = a.lr
    if a.cosine_decay and it > a.regress:
        lr = a.lr * (0.1 + 0.45 * (1 + np.cos(np.pi * (it - a.regress - 1) / a.iters)))
    for k, g in enumerate(grads):
        mom[k] = 0.9 * mom[k] + 0.1 * g
        vel[k] = 0.999 * vel[k] + 0.001 * g * g
        P[k] -= lr * mom[k] / (1 - 0.9**t) / (np.sqrt(vel[k] / (1 - 0.999**t)) + 1e-8)
    if it > a.regress and (it - a.regress) % max(1, a.iters // 10) == 0:
        loss, acc = validate()
        print(f"iteration {it - a.regress}: validation {acc:.1%} (loss {loss:.3f})", flush=True)
print(f"end: validation {acc:.1%} (loss {loss:.3f}), probe R^2 {probe():.3f}, scale {np.exp(P[-1][0]):.2f}")
