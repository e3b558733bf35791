"""PyTorch CPU peer of `deno task bench --pbt`: a PBT round on P MLPs 32-64-5 (batch 32) written as
a user would, batched over models with bmm and manual gradients: STEPS SGD steps with a per-model
learning rate, the mean loss of the last step per model, the bottom FRACTION copy the parameters of
models drawn from the top FRACTION (exploit) and their source's learning rate times
exp(0.2 N(0,1)) (explore). 1 and 2 threads, the better reported.
Prints one JSON line per P: {"population", "rounds_per_s", "threads", "blas", "valid"}.
Usage: python3 bench/peers_pbt.py STEPS FRACTION SECONDS WARMUP P1 [P2 ...]"""
import json
import sys

import torch

from peers_blas import blas_info, rate, with_threads
from peers_torch_mlp import batched_grads

WIDTHS, BATCH, ROWS = [32, 64, 5], 32, 4096


def pbt_round(state, steps, fraction, gen):
    ws, bs, lr, x, y = state
    P = lr.shape[0]
    for _ in range(steps):
        idx = torch.randint(0, ROWS, (P, BATCH), generator=gen)
        xb, yb = x[idx], y[idx]
        gw, gb, loss = batched_grads(ws, bs, xb, yb)
        for l in range(len(ws)):
            ws[l] -= lr[:, None, None] * gw[l]
            bs[l] -= lr[:, None, None] * gb[l]
    n = max(1, int(P * fraction))
    order = torch.argsort(loss, descending=True)  # worst first
    bottom, top = order[:n], order[P - n:]
    src = top[torch.randint(0, n, (n,), generator=gen)]
    for t in ws + bs:
        t[bottom] = t[src]
    lr[bottom] = (lr[src] * torch.exp(0.2 * torch.randn(n, generator=gen))).clamp(1e-3, 0.5)


def measure(P, steps, fraction, seconds, warmup):
    gen = torch.Generator().manual_seed(0)
    ws = [torch.randn(P, i, o, generator=gen) * (2 / i) ** 0.5 for i, o in zip(WIDTHS[:-1], WIDTHS[1:])]
    bs = [torch.zeros(P, 1, o) for o in WIDTHS[1:]]
    lr = 0.05 * torch.exp(torch.randn(P, generator=gen)).clamp(1e-3, 0.5)
    state = (ws, bs, lr, torch.randn(ROWS, WIDTHS[0], generator=gen), torch.randint(0, WIDTHS[-1], (ROWS,), generator=gen))
    return rate(lambda: pbt_round(state, steps, fraction, gen), seconds, warmup)


def on_threads(n, fn):
    torch.set_num_threads(n)
    return with_threads(n, fn)


def main():
    steps, fraction, seconds, warmup = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    info = blas_info()
    with torch.no_grad():
        for P in [int(v) for v in sys.argv[5:]]:
            by = {n: on_threads(n, lambda: measure(P, steps, fraction, seconds, warmup)) for n in (1, 2)}
            best = max(by, key=by.get)
            print(json.dumps({"population": P, "rounds_per_s": by[best], "threads": best, **info}), flush=True)


if __name__ == "__main__":
    main()
