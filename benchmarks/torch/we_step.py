#!/usr/bin/python3
"""A PyTorch Weight Evolution step, vectorised within each layer, on the filter tables of
revive_bench_we (ResNet-56 and MobileNetV2 convs with 3 input channels, each conv followed by a BN):
the anchor against which the issue sets revive's step, measured on this machine.

    /usr/bin/python3 benchmarks/torch/we_step.py --threads 2 --steps 200

The step is the `paper` preset after epoch 30 of one stage (as BM_we_step_cpu): average-L1 norms
(docs/weight-evolution.md §1.2), one threshold per pool at floor(|pool| r) with r = 0.05 sigmoid(30/15)
(1.3), per layer the relative-importance count with lambda = 0.05 and `<` (1.4), a stable
descending order and forward matching (1.5), and the paper's element crossover on every conv slice
and BN scalar, zero denominators skipped (1.6). Weights are 0.1 N(0, 1) with one filter in five
scaled by 1e-3, as in revive_bench_we, from torch's generator (so the pair counts differ a little);
they are restored before each step, untimed. Prints one JSON line per table: median and fastest
step in microseconds, and the pairs made.
"""
import argparse
import json
import math
import statistics
import time

import torch

RATE, LAMBDA, EPOCH, ETA = 0.05, 0.05, 30, 15.0


def resnet56():
    convs = [(16, 3, 3, 1)]
    cin = 16
    for width in (16, 32, 64):
        for _ in range(9):
            convs += [(width, cin, 3, 1), (width, width, 3, 1)]
            cin = width
    return convs


def mobilenetv2():
    convs = [(32, 3, 3, 1)]
    cin = 32
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)):
        for b in range(n):
            stride, planes = (s if b == 0 else 1), t * cin
            convs += [(planes, cin, 1, 1), (planes, planes, 3, planes), (c, planes, 1, 1)]
            if stride == 1 and cin != c:
                convs.append((c, cin, 1, 1))
            cin = c
    return convs + [(1280, 320, 1, 1)]


def make_tensors(convs, gen):
    """Conv weights [O, I/g, K, K] and per conv one BN's gamma and beta, as revive_bench_we fills them."""
    weights, gammas, betas = [], [], []
    for out, cin, k, groups in convs:
        weights.append(torch.randn(out, cin // groups, k, k, generator=gen) * 0.1)
        gammas.append(torch.randn(out, generator=gen) * 0.1)
        betas.append(torch.randn(out, generator=gen) * 0.1)
    for t in weights + gammas + betas:
        dead = torch.rand(t.shape[0], generator=gen) < 0.2
        t[dead] *= 1e-3
    return weights, gammas, betas


def threshold(importances, rate):
    pool = torch.cat(importances)
    k = int(math.floor(pool.numel() * rate))
    return pool.sort().values[k] if k < pool.numel() else math.inf


def pairs_of(imp, th):
    """The (dominant, inferior) index lists of one layer, or None without pairs (§1.4, §1.5)."""
    n_tbd = int((imp < th).sum())
    if n_tbd == 0:
        return None
    n_ri = int((imp < LAMBDA * imp.max()).sum())
    c = min(n_ri, n_tbd)
    n = imp.numel()
    p = min(c, n - c)
    if p == 0:
        return None
    order = torch.sort(imp, descending=True, stable=True).indices
    return order[:p], order[n - c:n - c + p]


def blend(m, l):
    den = m.abs() + l.abs()
    alpha = m.abs() / torch.where(den == 0, torch.ones_like(den), den)
    return torch.where(den == 0, m, alpha * m + (1 - alpha) * l)


def pairs_by_layer(tensors, importances, rate):
    """(tensor, dominant, inferior) of each layer of one pool that makes pairs."""
    th = threshold(importances, rate)
    for t, imp in zip(tensors, importances):
        sel = pairs_of(imp, th)
        if sel is not None:
            yield (t, *sel)


def we_step(weights, gammas, betas):
    rate = RATE / (1 + math.exp(-EPOCH / ETA))
    pairs = 0
    conv_imp = [w.abs().sum(dim=(1, 2, 3)) / w.shape[1] for w in weights]
    for w, dom, inf in pairs_by_layer(weights, conv_imp, rate):
        d = w[dom].flatten(2)
        i = w[inf].flatten(2)
        l_val = d.gather(2, d.abs().argmax(dim=2, keepdim=True))
        m_at = i.abs().argmin(dim=2, keepdim=True)
        i.scatter_(2, m_at, blend(i.gather(2, m_at), l_val))
        w[inf] = i.view(-1, *w.shape[1:])
        pairs += dom.numel()
    for pool in (gammas, betas):
        for x, dom, inf in pairs_by_layer(pool, [x.abs() for x in pool], rate):
            x[inf] = blend(x[inf], x[dom])
            pairs += dom.numel()
    return pairs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=200)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for name, convs in (("resnet56", resnet56()), ("mobilenetv2", mobilenetv2())):
        gen = torch.Generator().manual_seed(1)
        start = make_tensors(convs, gen)
        work = [[t.clone() for t in ts] for ts in start]
        times, pairs = [], 0
        with torch.no_grad():
            for step in range(args.steps + 5):
                for src, dst in zip(start, work):
                    for s, d in zip(src, dst):
                        d.copy_(s)
                t0 = time.perf_counter()
                pairs = we_step(*work)
                if step >= 5:  # warm-up steps are not counted
                    times.append(time.perf_counter() - t0)
        n_params = sum(t.numel() for ts in start for t in ts)
        print(json.dumps({"table": name, "framework": "pytorch", "threads": args.threads,
                          "Mparams": round(n_params * 1e-6, 3), "pairs": pairs,
                          "median_us": round(statistics.median(times) * 1e6, 1),
                          "best_us": round(min(times) * 1e6, 1), "steps": len(times)}))


if __name__ == "__main__":
    main()
