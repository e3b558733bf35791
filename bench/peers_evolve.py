"""PyTorch CPU peer of `deno task bench --evolve`: one generation of S strategies x M models of MLP
16-16-5 (ReLU, softmax cross-entropy) evolving on a synthetic data set of 2048 rows, written as a
user would, batched over all S*M models with bmm and manual gradients and no Python loop per model
or per strategy. A generation: K SGD steps per model on fresh minibatches of 16 (the "memetic"
workload, K = 2; "neural" has K = 0) with each strategy's learning rate, the fitness (minus the
loss of a fresh minibatch, forward only), then per strategy, with its own hyperparameters as
tensors: elitism (its top e models kept), tournament selection (its size, up to 5), uniform
crossover (its rate) and gaussian mutation (its rate and strength) of the flat parameter vectors.
1 and 2 threads, the better reported.
Prints one JSON line per workload: {"fitness", "generations_per_s", "threads", "blas", "valid"}.
Usage: python3 bench/peers_evolve.py S M SECONDS WARMUP MEMETIC_STEPS"""
import json
import sys

import torch

from peers_blas import blas_info, rate, with_threads
from peers_torch_mlp import batched_grads

WIDTHS, BATCH, ROWS, TOUR_MAX = [16, 16, 5], 16, 2048, 5


def unflatten(flat):
    """Views of the flat (P, D) parameters as weights (P, in, out) and biases (P, 1, out)."""
    ws, bs, off = [], [], 0
    for i, o in zip(WIDTHS[:-1], WIDTHS[1:]):
        ws.append(flat[:, off:off + i * o].view(-1, i, o))
        off += i * o
        bs.append(flat[:, off:off + o].view(-1, 1, o))
        off += o
    return ws, bs


def loss_only(ws, bs, x, y):
    """Mean cross-entropy per model (forward only)."""
    h = x
    for l, (w, b) in enumerate(zip(ws, bs)):
        h = torch.baddbmm(b, h, w)
        if l < len(ws) - 1:
            h = torch.relu(h)
    return -torch.log_softmax(h, dim=2).gather(2, y[:, :, None]).mean(dim=(1, 2))


def generation(st, S, M, steps, gen):
    """One generation in place on st["flat"] (P, D); returns the (S, M) fitness it selected on."""
    flat, x, y, hp = st["flat"], st["x"], st["y"], st["hp"]
    P = S * M
    ws, bs = unflatten(flat)
    for _ in range(steps):
        idx = torch.randint(0, ROWS, (P, BATCH), generator=gen)
        gw, gb, _ = batched_grads(ws, bs, x[idx], y[idx])
        for l in range(len(ws)):
            ws[l] -= hp["lr"][:, None, None] * gw[l]
            bs[l] -= hp["lr"][:, None, None] * gb[l]
    idx = torch.randint(0, ROWS, (P, BATCH), generator=gen)
    fit = -loss_only(ws, bs, x[idx], y[idx]).view(S, M)
    # Tournament: TOUR_MAX candidates per child, those beyond the strategy's size masked out.
    cand = torch.randint(0, M, (2, S, M, TOUR_MAX), generator=gen)
    cf = fit.gather(1, cand.view(2, S, -1).permute(1, 0, 2).reshape(S, -1)).view(S, 2, M, TOUR_MAX)
    cf = cf.masked_fill(hp["tour_mask"][:, None, None, :], float("-inf"))
    win = cand.permute(1, 0, 2, 3).gather(3, cf.argmax(dim=3, keepdim=True)).squeeze(3)
    base = (torch.arange(S) * M)[:, None]
    pa, pb = (win[:, 0] + base).reshape(-1), (win[:, 1] + base).reshape(-1)
    D = flat.shape[1]
    cross = (torch.rand(P, D, generator=gen) < 0.5) & (torch.rand(P, 1, generator=gen) < hp["cross"])
    child = torch.where(cross, flat[pb], flat[pa])
    mut = torch.rand(P, D, generator=gen) < hp["mut_rate"]
    child += mut * torch.randn(P, D, generator=gen) * hp["mut_sigma"]
    # Elites: the strategy's top e models replace its first e children.
    order = fit.argsort(dim=1, descending=True) + base
    elite = torch.arange(M)[None, :] < hp["elites"][:, None]
    keep = elite.reshape(-1)
    child[keep] = flat[order.reshape(-1)[keep]]
    st["flat"] = child
    return fit


def make_state(S, M, gen):
    P = S * M
    D = sum(i * o + o for i, o in zip(WIDTHS[:-1], WIDTHS[1:]))
    y = torch.randint(0, WIDTHS[-1], (ROWS,), generator=gen)
    x = torch.randn(ROWS, WIDTHS[0], generator=gen)
    x += 1.5 * (torch.arange(WIDTHS[0])[None, :] % WIDTHS[-1] == y[:, None])
    rep = lambda v: v.repeat_interleave(M)
    tour = torch.randint(2, TOUR_MAX + 1, (S,), generator=gen)
    hp = {
        "lr": rep(10 ** (-3 + 2 * torch.rand(S, generator=gen))),
        "cross": rep(torch.rand(S, generator=gen))[:, None],
        "mut_rate": rep(0.05 + 0.5 * torch.rand(S, generator=gen))[:, None],
        "mut_sigma": rep(0.01 + 0.2 * torch.rand(S, generator=gen))[:, None],
        "tour_mask": torch.arange(TOUR_MAX)[None, :] >= tour[:, None],
        "elites": torch.randint(0, 3, (S,), generator=gen),
    }
    flat = torch.randn(P, D, generator=gen) * 0.3
    return {"flat": flat, "x": x, "y": y, "hp": hp}


def measure(S, M, steps, seconds, warmup):
    gen = torch.Generator().manual_seed(0)
    st = make_state(S, M, gen)
    return rate(lambda: generation(st, S, M, steps, gen), seconds, warmup)


def on_threads(n, fn):
    torch.set_num_threads(n)
    return with_threads(n, fn)


def main():
    S, M, seconds, warmup, memetic = (int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]),
                                      float(sys.argv[4]), int(sys.argv[5]))
    info = blas_info()
    with torch.no_grad():
        for fitness, steps in (("neural", 0), ("memetic", memetic)):
            by = {n: on_threads(n, lambda: measure(S, M, steps, seconds, warmup)) for n in (1, 2)}
            best = max(by, key=by.get)
            print(json.dumps({"fitness": fitness, "generations_per_s": by[best], "threads": best,
                              **info}), flush=True)


if __name__ == "__main__":
    main()
