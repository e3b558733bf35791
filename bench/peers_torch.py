"""PyTorch CPU peer for `deno task bench --peers`: trains P MLPs (widths given) with one SGD
step per model-step, as batched matrix products, with manual gradients and with autograd, each on
1 and on 2 threads (torch and its BLAS; the better one is reported).
Prints one JSON line per measurement: {"peer", "population", "threads", "model_steps_per_s",
"other_threads_model_steps_per_s", "blas", "valid"}.
Usage: python3 bench/peers_torch.py WIDTHS BATCH SECONDS WARMUP P1 [P2 ...]   (WIDTHS like 32-64-5;
WARMUP: untimed seconds before each measurement)"""
import json
import sys

import torch

from peers_blas import blas_info, rate, with_threads


def make(widths, P):
    ws = [torch.randn(P, i, o) * (2.0 / i) ** 0.5 for i, o in zip(widths[:-1], widths[1:])]
    bs = [torch.zeros(P, 1, o) for o in widths[1:]]
    return ws, bs


def step_manual(ws, bs, x, y, lr):
    acts = [x]
    h = x
    for l, (w, b) in enumerate(zip(ws, bs)):
        z = torch.baddbmm(b, h, w)
        h = torch.relu(z) if l < len(ws) - 1 else z
        acts.append(h)
    p = torch.softmax(h, dim=2)
    d = p.clone()
    d.scatter_add_(2, y, -torch.ones_like(y, dtype=d.dtype))
    d /= x.shape[1]
    for l in range(len(ws) - 1, -1, -1):
        a = acts[l]
        gw = torch.bmm(a.transpose(1, 2), d)
        gb = d.sum(dim=1, keepdim=True)
        if l > 0:
            d = torch.bmm(d, ws[l].transpose(1, 2)) * (acts[l] > 0)
        ws[l] -= lr * gw
        bs[l] -= lr * gb


def step_autograd(ws, bs, x, y, lr):
    h = x
    for l, (w, b) in enumerate(zip(ws, bs)):
        h = torch.baddbmm(b, h, w)
        if l < len(ws) - 1:
            h = torch.relu(h)
    loss = torch.nn.functional.cross_entropy(h.reshape(-1, h.shape[2]), y.reshape(-1), reduction="sum") / x.shape[1]
    grads = torch.autograd.grad(loss, ws + bs)
    with torch.no_grad():
        for t, g in zip(ws + bs, grads):
            t -= lr * g


def measure(widths, B, seconds, warmup, P, mode):
    torch.manual_seed(0)
    ws, bs = make(widths, P)
    if mode == "autograd":
        ws = [w.requires_grad_() for w in ws]
        bs = [b.requires_grad_() for b in bs]
    x = torch.randn(P, B, widths[0])
    y = torch.randint(0, widths[-1], (P, B, 1))
    fn = step_manual if mode == "manual" else step_autograd
    ctx = torch.no_grad() if mode == "manual" else torch.enable_grad()
    with ctx:
        return P * rate(lambda: fn(ws, bs, x, y, 0.01), seconds, warmup)


def on_threads(n, fn):
    """Runs fn() with torch and its BLAS on n threads."""
    torch.set_num_threads(n)
    return with_threads(n, fn)


def main():
    widths = [int(v) for v in sys.argv[1].split("-")]
    B, seconds, warmup = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    info = blas_info()
    for P in [int(v) for v in sys.argv[5:]]:
        for mode in ("manual", "autograd"):
            by = {n: on_threads(n, lambda: measure(widths, B, seconds, warmup, P, mode)) for n in (1, 2)}
            best = max(by, key=by.get)
            peer = "torch-cpu" if mode == "manual" else "torch-cpu-autograd"
            print(json.dumps({"peer": peer, "population": P, "threads": best, "model_steps_per_s": by[best],
                              "other_threads_model_steps_per_s": by[3 - best], **info}), flush=True)


if __name__ == "__main__":
    main()
