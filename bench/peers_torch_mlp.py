"""Batched MLP gradients in PyTorch for the peers (bench/peers_metatrain.py, bench/peers_pbt.py,
bench/peers_evolve.py): T MLPs at once with bmm and manual gradients, ReLU hidden layers, softmax
cross-entropy."""
import torch


def batched_grads(ws, bs, x, y, input_delta=False):
    """Gradients (gw, gb) and the mean loss per model of T MLPs (ws[l]: (T, in, out), bs[l]:
    (T, 1, out)) on x (T, n, in) with integer labels y (T, n); with input_delta, also the gradient
    of the summed per-model mean losses with respect to x (T, n, in)."""
    acts, h = [x], x
    for l, (w, b) in enumerate(zip(ws, bs)):
        h = torch.baddbmm(b, h, w)
        if l < len(ws) - 1:
            h = torch.relu(h)
        acts.append(h)
    logp = torch.log_softmax(h, dim=2)
    loss = -logp.gather(2, y[:, :, None]).mean(dim=(1, 2))
    d = logp.exp()
    d.scatter_add_(2, y[:, :, None], -torch.ones(y.shape + (1,), dtype=d.dtype, device=d.device))
    d /= x.shape[1]
    gw, gb = [None] * len(ws), [None] * len(ws)
    for l in range(len(ws) - 1, -1, -1):
        gw[l], gb[l] = torch.bmm(acts[l].transpose(1, 2), d), d.sum(dim=1, keepdim=True)
        if l > 0:
            d = torch.bmm(d, ws[l].transpose(1, 2)) * (acts[l] > 0)
    if input_delta:
        return gw, gb, loss, torch.bmm(d, ws[0].transpose(1, 2))
    return gw, gb, loss
