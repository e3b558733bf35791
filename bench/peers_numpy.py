"""NumPy peer for `deno task bench --peers`: trains P MLPs (widths given), one SGD step per
model-step, as batched matrix products (np.matmul over a stack of P models) with manual gradients,
in float32, with the BLAS on 1 and on 2 threads (the better one is reported).
Prints one JSON line per population: {"peer", "population", "threads", "model_steps_per_s",
"other_threads_model_steps_per_s", "blas", "valid"}.
Usage: python3 bench/peers_numpy.py WIDTHS BATCH SECONDS WARMUP P1 [P2 ...]"""
import json
import sys

import numpy as np

from peers_blas import blas_info, rate, with_threads


def make(widths, P, rng):
    ws = [(rng.standard_normal((P, i, o)) * (2.0 / i) ** 0.5).astype(np.float32) for i, o in zip(widths[:-1], widths[1:])]
    bs = [np.zeros((P, 1, o), np.float32) for o in widths[1:]]
    return ws, bs


def step(ws, bs, x, onehot, lr):
    acts = [x]
    h = x
    for l, (w, b) in enumerate(zip(ws, bs)):
        z = np.matmul(h, w) + b
        h = np.maximum(z, 0) if l < len(ws) - 1 else z
        acts.append(h)
    e = np.exp(h - h.max(axis=2, keepdims=True))
    d = (e / e.sum(axis=2, keepdims=True) - onehot) / np.float32(x.shape[1])
    for l in range(len(ws) - 1, -1, -1):
        gw = np.matmul(acts[l].transpose(0, 2, 1), d)
        gb = d.sum(axis=1, keepdims=True)
        if l > 0:
            d = np.matmul(d, ws[l].transpose(0, 2, 1)) * (acts[l] > 0)
        ws[l] -= np.float32(lr) * gw
        bs[l] -= np.float32(lr) * gb


def measure(widths, B, seconds, warmup, P):
    rng = np.random.default_rng(0)
    ws, bs = make(widths, P, rng)
    x = rng.standard_normal((P, B, widths[0])).astype(np.float32)
    onehot = np.eye(widths[-1], dtype=np.float32)[rng.integers(0, widths[-1], (P, B))]
    return P * rate(lambda: step(ws, bs, x, onehot, 0.01), seconds, warmup)


def main():
    widths = [int(v) for v in sys.argv[1].split("-")]
    B, seconds, warmup = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    info = blas_info()
    for P in [int(v) for v in sys.argv[5:]]:
        by = {n: with_threads(n, lambda: measure(widths, B, seconds, warmup, P)) for n in (1, 2)}
        best = max(by, key=by.get)
        print(json.dumps({"peer": "numpy-cpu", "population": P, "threads": best, "model_steps_per_s": by[best],
                          "other_threads_model_steps_per_s": by[3 - best], **info}), flush=True)


if __name__ == "__main__":
    main()
