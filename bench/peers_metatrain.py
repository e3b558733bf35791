"""PyTorch CPU peers of `deno task bench --metatrain`: FOMAML and Reptile, 5-way 1-shot, MLP
196-64-64-5, 5 inner SGD steps (lr 0.1) on the support set, query set of 25, Adam meta-update
(lr 0.003), written as a user would: all tasks of a meta-batch at once with batched matrix products
and manual gradients, no Python loop over tasks. Two variants:
- plain: each task's parameters are a copy of theta; the inner steps run on the 5 support samples
  once (the engine's inner batch of 25 is the support set repeated 5 times: the same mean gradient,
  so the same update) with bmm over the tasks.
- factored: every task starts from the same theta and steps on a fixed support set X_t (S x 196),
  so its first layer is W1_t = W1_0 - X_t^T A_t with A_t (S x 64) the sum of innerLr times the
  first layer's deltas, and only the bias b1 and the later layers need a copy per task. Support
  pre-activations are X_t W1_0 (one matmul shared by all tasks) minus (X_t X_t^T) A_t, query ones
  Q_t W1_0 minus (Q_t X_t^T) A_t; FOMAML's first-layer meta-gradient is one matmul of every task's
  query inputs with its deltas, Reptile's first-layer difference one of the support inputs with A.
Episodes are drawn from a pool of 512 built once (as the engine's EpisodePool) of 14x14 images of 5
classes; the pixels are seeded noise of that shape (the timing does not depend on them). Each
(variant, meta-batch) runs on 1 and on 2 threads, and on all of the machine's cores when it has
more; the best is reported.
Prints one JSON line per (algorithm, meta-batch, variant): {"peer", "variant", "algorithm",
"meta_batch", "threads", "tasks_per_s", "cpu_ms_per_iteration" (CPU time of the process, every
thread), "other_threads" and "other_threads_tasks_per_s" (the best of the other thread counts),
"blas", "valid"}. On a machine with a CUDA GPU the same peer then runs there too ("peer":
"torch-cuda", "blas": the CUDA version and the GPU).
Usage: python3 bench/peers_metatrain.py SECONDS WARMUP MB1 [MB2 ...]
       python3 bench/peers_metatrain.py --check   (the variants agree; exit 1 if not)"""
import json
import os
import sys

import torch

from peers_blas import blas_info, rate, with_threads
from peers_torch_mlp import batched_grads

WIDTHS = [196, 64, 64, 5]
WAYS, SHOTS, QUERY, POOL, INNER, INNER_LR, META_LR = 5, 1, 25, 512, 5, 0.1, 0.003
VARIANTS = ("plain", "factored")


def pool(gen, dtype):
    """512 episodes: support (POOL, 5, 196) + labels, query (POOL, 25, 196) + labels."""
    images = torch.randn(WAYS, 200, WIDTHS[0], generator=gen, dtype=dtype)
    pick = lambda n: torch.randint(0, 200, (POOL, WAYS, n), generator=gen)
    cls = torch.stack([torch.randperm(WAYS, generator=gen) for _ in range(POOL)])
    sx = images[cls[:, :, None], pick(SHOTS)].reshape(POOL, WAYS * SHOTS, -1)
    qx = images[cls[:, :, None], pick(QUERY // WAYS)].reshape(POOL, QUERY, -1)
    sy = torch.arange(WAYS).repeat_interleave(SHOTS).expand(POOL, -1)
    qy = torch.arange(WAYS).repeat_interleave(QUERY // WAYS).expand(POOL, -1)
    return sx, sy, qx, qy


def copies(params, T):
    """A copy per task of each (1, ...) parameter: (T, ...)."""
    return [p.expand(T, -1, -1).clone() for p in params]


def sgd(ws, bs, gw, gb):
    """One inner SGD step on every task's copies."""
    for l in range(len(ws)):
        ws[l].sub_(gw[l], alpha=INNER_LR)
        bs[l].sub_(gb[l], alpha=INNER_LR)


def plain_meta(theta, x, y, qx, qy, algorithm):
    """The meta-gradient (a (1, ...) tensor per parameter, weights then biases) of T tasks, each
    with its own copy of every layer."""
    ws, bs = copies(theta[0], x.shape[0]), copies(theta[1], x.shape[0])
    for _ in range(INNER):
        gw, gb, _ = batched_grads(ws, bs, x, y)
        sgd(ws, bs, gw, gb)
    if algorithm == "fomaml":
        gw, gb, _ = batched_grads(ws, bs, qx, qy)
        return [g.mean(0, keepdim=True) for g in gw + gb]
    return [(p - a).mean(0, keepdim=True) for p, a in zip(theta[0] + theta[1], ws + bs)]


def first_layer(xw, cross, a, b1, ws, bs, y):
    """The adapted first layer's pre-activations xw - cross @ a + b1, then the gradients of the
    later layers and the first layer's deltas (ReLU' applied) on labels y."""
    h = torch.baddbmm(xw + b1, cross, a, alpha=-1)
    gw, gb, _, d = batched_grads(ws, bs, torch.relu(h), y, input_delta=True)
    return gw, gb, d * (h > 0)


def factored_meta(theta, x, y, qx, qy, algorithm):
    """plain_meta's meta-gradient with the first layer kept as W1_0 - X_t^T A_t (module doc)."""
    (w0, *wr), (b0, *br) = theta
    T, S, D = x.shape
    flat = x.reshape(T * S, D)
    xw = (flat @ w0[0]).reshape(T, S, -1)
    gram = torch.bmm(x, x.transpose(1, 2))
    a, b1 = torch.zeros_like(xw), b0.expand(T, -1, -1).clone()
    ws, bs = copies(wr, T), copies(br, T)
    for _ in range(INNER):
        gw, gb, d = first_layer(xw, gram, a, b1, ws, bs, y)
        a.add_(d, alpha=INNER_LR)
        b1.sub_(d.sum(1, keepdim=True), alpha=INNER_LR)
        sgd(ws, bs, gw, gb)
    if algorithm == "fomaml":
        Q = qx.shape[1]
        qflat = qx.reshape(T * Q, D)
        qxw = (qflat @ w0[0]).reshape(T, Q, -1)
        gw, gb, d = first_layer(qxw, torch.bmm(qx, x.transpose(1, 2)), a, b1, ws, bs, qy)
        g0 = (qflat.T @ d.reshape(T * Q, -1)) / T
        return [g0[None]] + [g.mean(0, keepdim=True) for g in gw] + \
            [d.sum(1, keepdim=True).mean(0, keepdim=True)] + [g.mean(0, keepdim=True) for g in gb]
    g0 = (flat.T @ a.reshape(T * S, -1)) / T
    return [g0[None]] + [(p - q).mean(0, keepdim=True) for p, q in zip(wr, ws)] + \
        [(b0 - b1).mean(0, keepdim=True)] + [(p - q).mean(0, keepdim=True) for p, q in zip(br, bs)]


META = {"plain": plain_meta, "factored": factored_meta}


def meta_iteration(state, algorithm, variant, T, repeat=1):
    """Draws T episodes, adapts, and applies Adam to theta; `repeat` > 1 steps on the support set
    repeated that many times (the engine's batch of 25 at 5)."""
    theta, (m, v), (sx, sy, qx, qy), gen = state["theta"], state["adam"], state["pool"], state["gen"]
    state["it"] += 1
    ids = torch.randint(0, POOL, (T,), generator=gen).to(sx.device)
    x, y = sx[ids].repeat(1, repeat, 1), sy[ids].repeat(1, repeat)
    meta = META[variant](theta, x, y, qx[ids], qy[ids], algorithm)
    it = state["it"]
    for i, (p, g) in enumerate(zip(theta[0] + theta[1], meta)):
        m[i].mul_(0.9).add_(g, alpha=0.1)
        v[i].mul_(0.999).addcmul_(g, g, value=0.001)
        p -= META_LR * (m[i] / (1 - 0.9 ** it)) / ((v[i] / (1 - 0.999 ** it)).sqrt() + 1e-8)
    return meta


def start(dtype=torch.float32, device="cpu"):
    """Seeded pool, theta (He init), Adam moments and episode generator (drawn on the CPU, then
    moved to `device`)."""
    gen = torch.Generator().manual_seed(0)
    episodes = tuple(t.to(device) for t in pool(gen, dtype))
    theta = ([(torch.randn(1, i, o, generator=gen, dtype=dtype) * (2 / i) ** 0.5).to(device)
              for i, o in zip(WIDTHS[:-1], WIDTHS[1:])],
             [torch.zeros(1, 1, o, dtype=dtype, device=device) for o in WIDTHS[1:]])
    params = theta[0] + theta[1]
    adam = ([torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params])
    return {"theta": theta, "adam": adam, "pool": episodes, "gen": gen, "it": 0}


def measure(algorithm, variant, T, seconds, warmup, device="cpu"):
    """(tasks/s, CPU-ms of the process per meta-iteration); on a GPU every meta-iteration ends
    with a synchronize, so the time counts its kernels."""
    state, cpu = start(device=device), []
    sync = torch.cuda.synchronize if device != "cpu" else (lambda: None)

    def step():
        meta_iteration(state, algorithm, variant, T)
        sync()

    tasks = T * rate(step, seconds, warmup, cpu)
    return tasks, cpu[0] * 1000


def cells(meta_batches):
    """The (algorithm, meta-batch, variant) cells the peer measures, in its printing order."""
    return [(a, T, v) for a in ("fomaml", "reptile") for T in meta_batches for v in VARIANTS]


def cuda_rows(seconds, warmup, meta_batches):
    """On a machine with a CUDA GPU, the same peer on it (as a PyTorch user there would run it):
    one JSON line per (algorithm, meta-batch, variant) with "peer": "torch-cuda", or one line with
    "skipped" and the reason if it fails."""
    if not torch.cuda.is_available():
        return
    try:
        name = torch.cuda.get_device_name(0)
        for algorithm, T, variant in cells(meta_batches):
            tps, cpu_ms = measure(algorithm, variant, T, seconds, warmup, "cuda")
            print(json.dumps({"peer": "torch-cuda", "variant": variant, "algorithm": algorithm,
                              "meta_batch": T, "threads": torch.get_num_threads(), "tasks_per_s": tps,
                              "cpu_ms_per_iteration": cpu_ms, "other_threads_tasks_per_s": 0,
                              "blas": f"cuda {torch.version.cuda} {name}", "valid": True}), flush=True)
    except Exception as e:  # the CPU rows above stay valid
        print(json.dumps({"peer": "torch-cuda", "skipped": f"{type(e).__name__}: {e}"}), flush=True)


def on_threads(n, fn):
    torch.set_num_threads(n)
    return with_threads(n, fn)


def close(a, b, atol, rtol):
    """Largest |a - b| over tensor lists, and whether every |a - b| <= atol + rtol * |b|."""
    diff = max(float((x - y).abs().max()) for x, y in zip(a, b))
    return diff, all(bool(((x - y).abs() <= atol + rtol * y.abs()).all()) for x, y in zip(a, b))


def check():
    """The factored variant against the plain one (and the plain one on the support set repeated 5
    times, as the engine's batch of 25): theta after 3 meta-iterations in float64 and the first
    meta-gradient in float32, per algorithm, at meta-batches 8 and 7. One JSON line each; exit 1
    if any disagree or theta did not move."""
    ok = True
    for algorithm in ("fomaml", "reptile"):
        for T in (8, 7):
            runs = {}
            for variant, repeat in (("plain", 1), ("plain", 5), ("factored", 1)):
                s = start(torch.float64)
                first = s["theta"][0] + s["theta"][1]
                first = [p.clone() for p in first]
                for _ in range(3):
                    meta_iteration(s, algorithm, variant, T, repeat)
                g32 = meta_iteration(start(torch.float32), algorithm, variant, T, repeat)
                runs[(variant, repeat)] = (s["theta"][0] + s["theta"][1], g32, first)
            ref, _, init = runs[("plain", 1)]
            moved = close(ref, init, 1e-3, 0)[0]
            for key in (("plain", 5), ("factored", 1)):
                d64, ok64 = close(runs[key][0], ref, 1e-10, 1e-8)
                d32, ok32 = close(runs[key][1], runs[("plain", 1)][1], 1e-6, 1e-4)
                good = ok64 and ok32 and moved > 1e-3
                ok = ok and good
                print(json.dumps({"check": f"{key[0]} (support x{key[1]}) vs plain", "algorithm": algorithm,
                                  "meta_batch": T, "theta_max_abs_diff_f64": d64, "grad_max_abs_diff_f32": d32,
                                  "theta_moved": moved, "ok": good}), flush=True)
    return 0 if ok else 1


def thread_counts():
    """1 and 2 threads, and every core of the machine when it has more (as a user there would run)."""
    return sorted({1, 2, os.cpu_count() or 1})


def main():
    if sys.argv[1:] == ["--check"]:
        with torch.no_grad():
            return check()
    seconds, warmup = float(sys.argv[1]), float(sys.argv[2])
    info = blas_info()
    with torch.no_grad():
        meta_batches = [int(v) for v in sys.argv[3:]]
        for algorithm, T, variant in cells(meta_batches):
            by = {n: on_threads(n, lambda: measure(algorithm, variant, T, seconds, warmup))
                  for n in thread_counts()}
            best = max(by, key=lambda n: by[n][0])
            other = max((n for n in by if n != best), key=lambda n: by[n][0])
            print(json.dumps({"peer": "torch-cpu", "variant": variant, "algorithm": algorithm,
                              "meta_batch": T, "threads": best, "tasks_per_s": by[best][0],
                              "cpu_ms_per_iteration": by[best][1], "other_threads": other,
                              "other_threads_tasks_per_s": by[other][0], **info}), flush=True)
        cuda_rows(seconds, warmup, meta_batches)
    return 0


if __name__ == "__main__":
    sys.exit(main())
