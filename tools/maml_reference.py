#!/usr/bin/env python3
"""Independent PyTorch reference of first-order MAML and MAML on the engine's glyph episodes.

Reads what tools/glyph_episodes_export.ts writes (the engine's preprocessed glyphs and its
meta-train / meta-validation pools of one setting and seed) and meta-trains an MLP the way the
engine's `meta` experiment does, with nothing shared but the data:

- network: widths inputs-hidden...-ways, ReLU, weights He-normal (std sqrt(2 / fan_in)) times
  --init-scale, biases 0 (the engine's init, learners/mlp/mlp_cpu.ts initParamsCpu);
- inner loop: --inner-steps full-batch SGD steps at --inner-lr on the support set (mean softmax
  cross-entropy);
- outer loop (Reptile: theta += --meta-lr (mean of the adapted weights - theta), no query loss):
  the query loss at the adapted weights (the training episodes' queries: 1 per class
  for the engine's 1-shot pools), its gradient taken back through the inner steps (MAML) or not
  (FOMAML), averaged over a meta-batch of --meta-batch episodes drawn with replacement from the
  pool, one Adam step (torch.optim.Adam, betas 0.9 / 0.999, eps 1e-8) at --meta-lr;
- meta-validation every --eval-every iterations: mean query accuracy of the exported validation
  episodes (15 queries per class) after --inner-steps steps (the engine's learning-curve value),
  and after 0..--eval-steps steps (--curve).

Variants: --fresh draws every meta-training episode anew from the meta-train classes (no fixed
pool), --train-queries Q draws that many queries per class then; --batch-norm adds MAML's
transductive batch norm (statistics of the batch, learned scale and shift, not adapted) after
each hidden layer.

One line per validation point: iteration, val accuracy, query loss (mean of the last logged
iterations), support loss before / after the inner steps, |theta| per layer, |meta-gradient|.

  deno run -A tools/glyph_episodes_export.ts /tmp/g5
  python3 tools/maml_reference.py /tmp/g5 --method fomaml --iters 2000 --threads 1
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F


def load(d):
    meta = json.load(open(f"{d}/split.json"))
    n, inputs = meta["count"], meta["inputs"]
    x = np.fromfile(f"{d}/x.f32", dtype="<f4").reshape(n, inputs)
    y = np.fromfile(f"{d}/y.u32", dtype="<u4")
    pools = {}
    for tag, shape in meta["pools"].items():
        e = shape["episodes"]
        s = np.fromfile(f"{d}/{tag}_support.u32", dtype="<u4").reshape(e, shape["support"])
        q = np.fromfile(f"{d}/{tag}_query.u32", dtype="<u4").reshape(e, shape["query"])
        pools[tag] = (s.astype(np.int64), q.astype(np.int64))
    return meta, torch.from_numpy(x), y, pools


def labels(per_class, ways):
    """Local labels of class-major indices: entry k*per_class + j has label k."""
    return torch.arange(ways).repeat_interleave(per_class)


class Fresh:
    """Fresh N-way episodes of the meta-train classes (support and queries disjoint)."""

    def __init__(self, y, classes, ways, shots, queries, seed):
        self.members = {c: np.flatnonzero(y == c) for c in classes}
        self.classes = np.array(classes)
        self.ways, self.shots, self.queries = ways, shots, queries
        self.rng = np.random.default_rng(seed)

    def draw(self, n):
        W, K, Q = self.ways, self.shots, self.queries
        s = np.empty((n, W * K), np.int64)
        q = np.empty((n, W * Q), np.int64)
        for e in range(n):
            for k, c in enumerate(self.rng.choice(self.classes, W, replace=False)):
                m = self.rng.choice(self.members[c], K + Q, replace=False)
                s[e, k * K:(k + 1) * K] = m[:K]
                q[e, k * Q:(k + 1) * Q] = m[K:]
        return s, q


def init_params(widths, scale, gen):
    ps = []
    for fin, fout in zip(widths[:-1], widths[1:]):
        w = torch.randn(fout, fin, generator=gen) * math.sqrt(2 / fin) * scale
        ps += [w, torch.zeros(fout)]
    return [p.requires_grad_() for p in ps]


def forward(params, x, bn, layers=None):
    """x (T, n, inputs); params entries (T, ...) per task or shared; bn: [(gamma, beta)] or None.
    With `layers`, only the first that many layers (their ReLU included)."""
    h = x
    L = len(params) // 2
    for l in range(L if layers is None else layers):
        w, b = params[2 * l], params[2 * l + 1]
        if w.dim() == 2:
            h = h @ w.t() + b
        else:
            h = torch.bmm(h, w.transpose(1, 2)) + b.unsqueeze(1)
        if l < L - 1:
            if bn is not None:
                mu = h.mean(1, keepdim=True)
                var = h.var(1, unbiased=False, keepdim=True)
                h = (h - mu) / torch.sqrt(var + 1e-5) * bn[l][0] + bn[l][1]
            h = F.relu(h)
    return h


def task_loss(params, x, y, bn):
    """Sum over tasks of each task's mean cross-entropy (so each task's gradient is its own)."""
    out = forward(params, x, bn)
    T, n, W = out.shape
    return F.cross_entropy(out.reshape(T * n, W), y.repeat(T), reduction="sum") / n, out


def adapt(theta, xs, ys, lr, steps, bn, second_order):
    T = xs.shape[0]
    phi = [p.unsqueeze(0).expand(T, *p.shape) for p in theta]
    losses = []
    for _ in range(steps):
        loss, _ = task_loss(phi, xs, ys, bn)
        losses.append(loss.item() / T)
        g = torch.autograd.grad(loss, phi, create_graph=second_order)
        phi = [p - lr * gi for p, gi in zip(phi, g)]
    return phi, losses


def evaluate(theta, bn, x, sup, qry, ways, shots, lr, steps):
    """Query accuracy after 0..steps inner steps, mean over episodes."""
    ys = labels(shots, ways)
    yq = labels(qry.shape[1] // ways, ways)
    xs, xq = x[torch.from_numpy(sup)], x[torch.from_numpy(qry)]
    T = xs.shape[0]
    phi = [p.detach().unsqueeze(0).expand(T, *p.shape).clone().requires_grad_() for p in theta]
    bnd = None if bn is None else [(g.detach(), b.detach()) for g, b in bn]
    accs = []
    for k in range(steps + 1):
        with torch.no_grad():
            out = forward(phi, xq, bnd)
            accs.append((out.argmax(-1) == yq).float().mean().item())
        if k == steps:
            break
        loss, _ = task_loss(phi, xs, ys, bnd)
        g = torch.autograd.grad(loss, phi)
        phi = [(p - lr * gi).detach().requires_grad_() for p, gi in zip(phi, g)]
    return accs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("--method", choices=["fomaml", "maml", "reptile"], default="fomaml",
                    help="reptile: theta += meta-lr (mean adapted - theta), as the engine's")
    ap.add_argument("--hidden", default="64,64")
    ap.add_argument("--inner-lr", type=float, default=0.1)
    ap.add_argument("--inner-steps", type=int, default=1)
    ap.add_argument("--meta-batch", type=int, default=16)
    ap.add_argument("--meta-lr", type=float, default=0.003)
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--init-scale", type=float, default=1.0)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--eval-steps", type=int, default=10)
    ap.add_argument("--curve", action="store_true", help="print val accuracy after 0..eval-steps")
    ap.add_argument("--fresh", action="store_true", help="fresh episodes, no fixed pool")
    ap.add_argument("--train-queries", type=int, default=0, help="with --fresh: queries per class")
    ap.add_argument("--batch-norm", action="store_true")
    ap.add_argument("--zero-head", action="store_true",
                    help="output layer reset to 0 before every meta-iteration (Kao et al. 2022)")
    ap.add_argument("--head-init", type=float, default=1.0,
                    help="scale of the output layer's init (0: zero head, meta-learned from there)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    meta, x, y, pools = load(a.data)
    W, K = meta["ways"], meta["shots"]
    widths = [meta["inputs"], *[int(h) for h in a.hidden.split(",")], W]
    theta = init_params(widths, a.init_scale, torch.Generator().manual_seed(a.seed))
    with torch.no_grad():
        theta[-2].mul_(a.head_init)
    bn = None
    if a.batch_norm:
        bn = [(torch.ones(h).requires_grad_(), torch.zeros(h).requires_grad_())
              for h in widths[1:-1]]
    opt = torch.optim.Adam(theta + ([p for gb in bn for p in gb] if bn else []), lr=a.meta_lr)
    tr_s, tr_q = pools["train"]
    va_s, va_q = pools["val"]
    fresh = None
    if a.fresh:
        Q = a.train_queries or K
        fresh = Fresh(y, meta["train"], W, K, Q, a.seed + 1)
    rng = np.random.default_rng(a.seed)
    ys = labels(K, W)
    log = {"q": [], "s0": [], "s1": [], "g": [], "h": [], "dead": []}
    best = (-1.0, 0)
    t0 = time.time()
    print(f"# {vars(a)} widths {widths} pool {len(tr_s)} val {len(va_s)}", flush=True)
    for it in range(1, a.iters + 1):
        if fresh:
            s, q = fresh.draw(a.meta_batch)
        else:
            ids = rng.integers(0, len(tr_s), a.meta_batch)
            s, q = tr_s[ids], tr_q[ids]
        xs, xq = x[torch.from_numpy(s)], x[torch.from_numpy(q)]
        yq = labels(q.shape[1] // W, W)
        if a.zero_head:
            with torch.no_grad():
                theta[-2].zero_()
                theta[-1].zero_()
        with torch.no_grad():
            # Mean norm of the last hidden layer's activations at theta (the head's input scale).
            hid = forward(theta, xs, None if bn is None else [(g.detach(), b.detach()) for g, b in bn],
                          layers=len(theta) // 2 - 1)
            log["h"].append(float(hid.norm(dim=-1).mean()))
            # Share of the last hidden layer's units that no support sample of the batch activates.
            log["dead"].append(float((hid.reshape(-1, hid.shape[-1]).amax(0) <= 0).float().mean()))
        phi, sl = adapt(theta, xs, ys, a.inner_lr, a.inner_steps, bn, a.method == "maml")
        with torch.no_grad():
            s_after = task_loss([p.detach() for p in phi], xs, ys,
                                None if bn is None else [(g.detach(), b.detach()) for g, b in bn])[0]
        if a.method == "fomaml":
            phi = [p.detach().requires_grad_() for p in phi]
            lq, _ = task_loss(phi, xq, yq, bn)
            lq = lq / a.meta_batch
            gs = torch.autograd.grad(lq, phi + ([p for gb in bn for p in gb] if bn else []))
            for p, g in zip(theta, gs[:len(theta)]):
                p.grad = g.sum(0)
            for p, g in zip([p for gb in bn for p in gb] if bn else [], gs[len(theta):]):
                p.grad = g
        elif a.method == "maml":
            opt.zero_grad()
            lq, _ = task_loss(phi, xq, yq, bn)
            lq = lq / a.meta_batch
            lq.backward()
        if a.method == "reptile":
            with torch.no_grad():
                lq = task_loss([p.detach() for p in phi], xq, yq, None)[0] / a.meta_batch
                step = [a.meta_lr * (f.detach().mean(0) - p) for p, f in zip(theta, phi)]
                for p, d in zip(theta, step):
                    p += d
            gn = math.sqrt(sum(float((d ** 2).sum()) for d in step))
        else:
            gn = math.sqrt(sum(float((p.grad ** 2).sum()) for p in theta))
            opt.step()
        log["q"].append(lq.item())
        log["s0"].append(sl[0])
        log["s1"].append(s_after.item() / a.meta_batch)
        log["g"].append(gn)
        if it % a.eval_every == 0 or it == a.iters:
            accs = evaluate(theta, bn, x, va_s, va_q, W, K, a.inner_lr,
                            a.eval_steps if a.curve else a.inner_steps)
            v = accs[a.inner_steps]
            if v > best[0]:
                best = (v, it)
            norms = [float(p.detach().norm()) for p in theta[0::2]]
            m = {k: np.mean(vs) for k, vs in log.items()}
            line = (f"it {it:6d} val {100 * v:5.1f}% query_loss {m['q']:.3f} support_loss "
                    f"{m['s0']:.3f}->{m['s1']:.3f} |W| {' '.join(f'{n:.2f}' for n in norms)} "
                    f"|g| {m['g']:.4f} |h| {m['h']:.1f} dead {100 * m['dead']:.0f}% "
                    f"t {time.time() - t0:.0f}s")
            if a.curve:
                line += " curve " + " ".join(f"{100 * c:.1f}" for c in accs)
            print(line, flush=True)
            log = {k: [] for k in log}
    print(f"# best val {100 * best[0]:.1f}% at {best[1]}", flush=True)


if __name__ == "__main__":
    main()
