"""PyTorch CPU peer of `deno task bench --metatrain`: FOMAML and Reptile, 5-way 1-shot, MLP
196-64-64-5, inner batch 25 (the 5 support examples repeated), 5 inner SGD steps (lr 0.1), query
set of 25, Adam meta-update (lr 0.003), written as a user would: all tasks of a meta-batch at once
with batched matrix products (bmm) and manual gradients, no Python loop over tasks. Episodes are
drawn from a pool of 512 built once (as the engine's EpisodePool) of 14x14 images of 5 classes;
the pixels are seeded noise of that shape (the timing does not depend on them). Each meta-batch
size runs on 1 and on 2 threads; the better is reported.
Prints one JSON line per (algorithm, meta-batch): {"peer", "algorithm", "meta_batch", "threads",
"tasks_per_s", "other_threads_tasks_per_s", "blas", "valid"}.
Usage: python3 bench/peers_metatrain.py SECONDS WARMUP MB1 [MB2 ...]"""
import json
import sys

import torch

from peers_blas import blas_info, rate, with_threads
from peers_torch_mlp import batched_grads

WIDTHS = [196, 64, 64, 5]
WAYS, SHOTS, QUERY, BATCH, POOL, INNER, INNER_LR, META_LR = 5, 1, 25, 25, 512, 5, 0.1, 0.003


def pool(gen):
    """512 episodes: support (POOL, 5, 196) + labels, query (POOL, 25, 196) + labels."""
    images = torch.randn(WAYS, 200, WIDTHS[0], generator=gen)
    pick = lambda n: torch.randint(0, 200, (POOL, WAYS, n), generator=gen)
    cls = torch.stack([torch.randperm(WAYS, generator=gen) for _ in range(POOL)])
    sx = images[cls[:, :, None], pick(SHOTS)].reshape(POOL, WAYS * SHOTS, -1)
    qx = images[cls[:, :, None], pick(QUERY // WAYS)].reshape(POOL, QUERY, -1)
    sy = torch.arange(WAYS).repeat_interleave(SHOTS).expand(POOL, -1)
    qy = torch.arange(WAYS).repeat_interleave(QUERY // WAYS).expand(POOL, -1)
    return sx, sy, qx, qy


def meta_iteration(theta, adam, episodes, algorithm, T, gen, it):
    sx, sy, qx, qy = episodes
    ids = torch.randint(0, POOL, (T,), generator=gen)
    rep = BATCH // (WAYS * SHOTS)
    x, y = sx[ids].repeat(1, rep, 1), sy[ids].repeat(1, rep)
    ws = [p.expand(T, -1, -1).clone() for p in theta[0]]
    bs = [p.expand(T, -1, -1).clone() for p in theta[1]]
    for _ in range(INNER):
        gw, gb, _ = batched_grads(ws, bs, x, y)
        for l in range(len(ws)):
            ws[l] -= INNER_LR * gw[l]
            bs[l] -= INNER_LR * gb[l]
    if algorithm == "fomaml":
        gw, gb, _ = batched_grads(ws, bs, qx[ids], qy[ids])
        meta = [g.mean(0, keepdim=True) for g in gw + gb]
    else:
        meta = [(p - a).mean(0, keepdim=True) for p, a in zip(theta[0] + theta[1], ws + bs)]
    m, v = adam
    for i, (p, g) in enumerate(zip(theta[0] + theta[1], meta)):
        m[i].mul_(0.9).add_(g, alpha=0.1)
        v[i].mul_(0.999).addcmul_(g, g, value=0.001)
        p -= META_LR * (m[i] / (1 - 0.9 ** it)) / ((v[i] / (1 - 0.999 ** it)).sqrt() + 1e-8)


def measure(algorithm, T, seconds, warmup):
    gen = torch.Generator().manual_seed(0)
    episodes = pool(gen)
    theta = ([torch.randn(1, i, o, generator=gen) * (2 / i) ** 0.5 for i, o in zip(WIDTHS[:-1], WIDTHS[1:])],
             [torch.zeros(1, 1, o) for o in WIDTHS[1:]])
    adam = ([torch.zeros_like(p) for p in theta[0] + theta[1]], [torch.zeros_like(p) for p in theta[0] + theta[1]])
    it = [0]

    def once():
        it[0] += 1
        meta_iteration(theta, adam, episodes, algorithm, T, gen, it[0])

    return T * rate(once, seconds, warmup)


def on_threads(n, fn):
    torch.set_num_threads(n)
    return with_threads(n, fn)


def main():
    seconds, warmup = float(sys.argv[1]), float(sys.argv[2])
    info = blas_info()
    with torch.no_grad():
        for algorithm in ("fomaml", "reptile"):
            for T in [int(v) for v in sys.argv[3:]]:
                by = {n: on_threads(n, lambda: measure(algorithm, T, seconds, warmup)) for n in (1, 2)}
                best = max(by, key=by.get)
                print(json.dumps({"peer": "torch-cpu", "algorithm": algorithm, "meta_batch": T, "threads": best,
                                  "tasks_per_s": by[best], "other_threads_tasks_per_s": by[3 - best], **info}), flush=True)


if __name__ == "__main__":
    main()
